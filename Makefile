# Thin entry points; the work is in scripts/.
.PHONY: run test demo bench lint
run:
	@bash scripts/setup.sh run
	@.venv/bin/onair gui
test:
	@bash scripts/setup.sh test
	@bash scripts/test.sh
demo:
	@bash scripts/setup.sh test
	@.venv/bin/python scripts/demo.py
bench:
	@bash scripts/setup.sh bench
	@bash scripts/bench.sh
lint:
	@.venv/bin/ruff check .
