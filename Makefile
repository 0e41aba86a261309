# Two commands on a fresh machine: `make demo` and `make test`. Both set themselves up:
# a Python 3.11 venv with pinned requirements (tools/bootstrap.sh, skipped when nothing
# changed) and a colcon build of the package into it (tools/build.sh, ~1 s when nothing
# changed).
VENV := .venv
RUN_DIR := runs/$(shell date +%Y%m%d-%H%M%S)

.PHONY: demo test bench setup clean

setup:
	@tools/bootstrap.sh
	@tools/build.sh

test: setup
	@$(VENV)/bin/pytest

demo: setup
	@$(VENV)/bin/sbi demo --robot sawyer --out $(RUN_DIR)

# the papers' tables and the speed figures (benchmarks/README.md); resumable, not in CI
bench: setup
	@$(VENV)/bin/sbi bench papers

clean:
	rm -rf build $(VENV)
