.DEFAULT_GOAL := help
VENV ?= .venv
ADMIN = cd .o2o && DJANGO_SETTINGS_MODULE=saleor_o2o.sandbox.settings ../$(VENV)/bin/django-admin

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-20s %s\n", $$1, $$2}'

demo: ## Run Saleor + O2O with demo data at http://127.0.0.1:8000/graphql/.
	./scripts/run-demo.sh

demo-pickup: ## With the demo running: walk a pickup to COLLECTED, show its webhooks.
	mkdir -p .o2o && cd .o2o && CELERY_BROKER_URL=$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0} \
	  DJANGO_SETTINGS_MODULE=saleor_o2o.sandbox.settings ../$(VENV)/bin/django-admin o2o_demo_pickup
	@sleep 2 && tail -n 4 .o2o/logs/webhooks.log

demo-delivery: ## With the demo running: walk a local delivery to DELIVERED, show its webhooks.
	mkdir -p .o2o && cd .o2o && CELERY_BROKER_URL=$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0} \
	  DJANGO_SETTINGS_MODULE=saleor_o2o.sandbox.settings ../$(VENV)/bin/django-admin o2o_demo_delivery
	@sleep 2 && tail -n 4 .o2o/logs/webhooks.log

test: ## Run lint, the migration check and the whole test suite.
	./scripts/test.sh

lint: ## Reformat the code (black, isort) and check it (flake8).
	$(VENV)/bin/black saleor_o2o graphql migrations tests bench
	$(VENV)/bin/isort saleor_o2o graphql migrations tests bench
	$(VENV)/bin/flake8 saleor_o2o graphql migrations tests bench

schema: ## Write the composed schema SDL to graphql/schema.graphql.
	mkdir -p .o2o && $(ADMIN) o2o_graphql_schema --output ../graphql/schema.graphql

migrations: ## Make migrations for model changes.
	mkdir -p .o2o && $(ADMIN) makemigrations saleor_o2o

bench: ## Run the store-locator benchmark (several minutes).
	cd /tmp && $(CURDIR)/$(VENV)/bin/python $(CURDIR)/bench/locator.py

bench-availability: ## Run the cart-availability benchmark (10M stock rows; minutes).
	cd /tmp && $(CURDIR)/$(VENV)/bin/python $(CURDIR)/bench/availability.py

bench-delivery: ## Run the local delivery and routing benchmark (10M stock rows; minutes).
	cd /tmp && $(CURDIR)/$(VENV)/bin/python $(CURDIR)/bench/delivery.py

bench-webhooks: ## Run the webhook benchmark (delivery rate, outbox cost; about 2 min).
	cd /tmp && $(CURDIR)/$(VENV)/bin/python $(CURDIR)/bench/webhooks.py

bench-offers: ## Run the offers-near benchmark (10,000 stores x 100,000 offers; a minute).
	cd /tmp && $(CURDIR)/$(VENV)/bin/python $(CURDIR)/bench/offers.py

bench-visits: ## Run the store visits benchmark (a month of appointment slots; minutes).
	cd /tmp && $(CURDIR)/$(VENV)/bin/python $(CURDIR)/bench/visits.py

bench-limits: ## Run the query-limits benchmark (validation time, cache memory; minutes).
	cd /tmp && $(CURDIR)/$(VENV)/bin/python $(CURDIR)/bench/query_limits.py

.PHONY: help demo demo-pickup demo-delivery test lint schema migrations bench bench-availability bench-delivery bench-offers bench-webhooks bench-limits bench-visits
