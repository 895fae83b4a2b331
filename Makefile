# Developer and CI entry points; the work is done by scripts/test.sh (see its header).

.PHONY: test sanity unit integration test-faults venv demo bench

test:
	@bash scripts/test.sh all

sanity:
	@bash scripts/test.sh sanity

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
