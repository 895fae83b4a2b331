# Developer and CI entry points; the work is done by scripts/test.sh (see its header).

.PHONY: test sanity unit integration venv demo bench

test:
	bash scripts/test.sh all

sanity:
	bash scripts/test.sh sanity

unit:
	bash scripts/test.sh unit

integration:
	bash scripts/test.sh integration

venv:
	bash scripts/test.sh venv

demo:
	bash scripts/demo.sh

bench: venv
	.venv/bin/python bench/run.py
