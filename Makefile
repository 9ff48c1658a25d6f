# Heed — see README.md. `make demo` to run it, `make test` to test it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench fmt messages lock clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade "pip>=24"
	$(PIP) install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_seed
	$(PY) manage.py demo_serve

test: install
	bash scripts/test.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy heed
	$(VENV)/bin/lint-imports
	HEED_TESTING=1 $(PY) manage.py makemigrations --check --dry-run

bench: install
	bash scripts/bench.sh

fmt: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Regenerate translation catalogs (needs GNU gettext) and compile them (pure Python).
# The foundation's catalog lives in heed/locale; each domain app keeps its own.
DOMAIN_APPS := portfolio collection compliance payments screening
messages: install
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var \
		$(foreach app,$(DOMAIN_APPS),--ignore=heed/$(app)/*)
	for app in $(DOMAIN_APPS); do \
		(cd heed/$$app && DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=$(CURDIR) \
			$(CURDIR)/$(VENV)/bin/django-admin makemessages -l zh_Hans) || exit 1; \
	done
	$(PY) scripts/compile_messages.py

# Re-pin every dependency after changing pyproject.toml.
lock:
	rm -rf /tmp/heed-lock && $(PYTHON) -m venv /tmp/heed-lock
	/tmp/heed-lock/bin/pip install --quiet ".[dev]"
	/tmp/heed-lock/bin/pip freeze --exclude heed > requirements.lock

clean:
	rm -rf $(VENV) var/test.sqlite3
