import pytest

from api.services import api_token_create


@pytest.fixture
def bearer():
    """`bearer(user)`: headers carrying a new personal token of the user's."""

    def make(user, **kwargs):
        _token, secret = api_token_create(user=user, name="aggregator", **kwargs)
        return {"Authorization": f"Bearer {secret}"}

    return make
