"""Shared fixtures: the demo firm's named people, available to every test as `people`."""

import pytest
from django.test import Client


class People(dict):
    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@pytest.fixture
def firm(db):
    from zhudai.accounts.demo import create_demo_firm
    from zhudai.customers.defaults import create_default_stages_and_channels
    from zhudai.customers.models import Channel, Stage
    from zhudai.engines.flow.models import ProcessDefinition, ProcessVersion
    from zhudai.loans.defaults import create_defaults
    from zhudai.loans.models import Product

    # Transactional tests empty every table, data-migration rows included: put the defaults back.
    create_default_stages_and_channels(Stage, Channel)
    create_defaults(ProcessDefinition, ProcessVersion, Product)
    return create_demo_firm()


@pytest.fixture
def people(firm):
    return People(firm[0])


@pytest.fixture
def units(firm):
    return People(firm[1])


@pytest.fixture
def client_for(db):
    """client_for(user) → a test client logged in as that user."""

    def make(user):
        client = Client()
        client.force_login(user, backend="zhudai.accounts.backends.RoleBackend")
        return client

    return make


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
