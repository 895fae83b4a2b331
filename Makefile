# Developer and CI entry points; the work is done by scripts/test.sh (see its header).

.PHONY: test test-fast sanity docs-lint unit integration test-faults venv demo bench

test:
	@bash scripts/test.sh all

# Every suite without the long end-to-end tests (pytest marker e2e), straight from the checkout.
test-fast:
	@bash scripts/test.sh fast

sanity:
	@bash scripts/test.sh sanity

docs-lint:
	@bash scripts/test.sh docs

unit:
	@bash scripts/test.sh unit

integration:
	@bash scripts/test.sh integration

# The fault run alone (make test runs it too, as part of tests/integration).
test-faults: venv
	.venv/bin/python -m pytest -p no:cacheprovider tests/integration/test_faults.py

venv:
	@bash scripts/test.sh venv

demo:
	@bash scripts/demo.sh

# make bench BENCH_ARGS='--quick' passes options through (see bench/README.md).
bench: venv
	@PATH="$(CURDIR)/.venv/bin:$$PATH" .venv/bin/python bench/run.py $(BENCH_ARGS)
