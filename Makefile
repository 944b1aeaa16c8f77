# Thin entry points; the work is in scripts/.
.PHONY: run test demo bench lint screenshots
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
screenshots:
	@bash scripts/setup.sh test
	@ONAIR_SCREENSHOTS=docs/screenshots xvfb-run -a .venv/bin/python -m pytest -q tests/ui/test_screenshots.py
