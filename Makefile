# The two set-up commands of the README: `make run` and `make test`.
# Both create .venv on first use and reinstall only when pyproject.toml changes.
# `make run` installs what running needs; `make test` adds the test extras
# (pytest, hypothesis, pexpect, and the optional extras the suite also checks).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: run test bench clean

$(BIN)/python:
	@echo "minigrad: first run, creating $(VENV) and installing (about a minute)..."
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(RUN_STAMP)
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

$(BENCH_STAMP): pyproject.toml $(TEST_STAMP)
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	touch $@

# Bytecode first (quick when nothing changed): where PYTHONDONTWRITEBYTECODE is set,
# every start would otherwise compile the changed modules again, a third of start-up.
run: $(RUN_STAMP)
	@$(BIN)/python -m compileall -q minigrad repl > /dev/null
	$(BIN)/minigrad

# One BLAS thread: the suite's matrices are small, and on a busy 2-core machine
# multithreaded OpenBLAS spins and slows small products by 10x or more.
# Two pytest workers: the suite is CPU-bound and independent tests share nothing;
# work stealing, because the lesson runs take seconds and most tests milliseconds,
# so a fixed split can leave one worker with the long tail.
# ruff first (its rules are in pyproject.toml): a lint error fails the run in a second.
test: $(TEST_STAMP)
	$(BIN)/ruff check .
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 --dist worksteal

bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info minigrad-out
