"""Mapping inference-server failures onto mathbot's error tree."""

import httpx
import pytest
from huggingface_hub.errors import OverloadedError, ValidationError

from mathbot import errors
from workers.inference import classify


@pytest.mark.parametrize(
    ("status", "kind", "retryable"),
    [
        (None, errors.ServerUnavailable, True),
        (429, errors.ServerOverloaded, True),
        (503, errors.ServerUnavailable, True),
        (500, errors.ServerUnavailable, True),
        (504, errors.ServerTimeout, True),
        (422, errors.ServerRejected, False),
        (401, errors.ServerRejected, False),
    ],
)
def test_from_http(status: int | None, kind: type, retryable: bool) -> None:
    error = errors.from_http(status, "body")
    assert type(error) is kind
    assert error.retryable is retryable
    assert error.user_message and "body" not in error.user_message


def test_overloaded_body_wins_over_status() -> None:
    assert isinstance(errors.from_http(503, '{"error":"Model is overloaded"}'), errors.ServerOverloaded)


def test_classify_client_exceptions() -> None:
    assert isinstance(classify(OverloadedError("Model is overloaded")), errors.ServerOverloaded)
    assert isinstance(classify(ValidationError("top_p must be < 1")), errors.ServerRejected)
    assert isinstance(classify(httpx.ConnectError("refused")), errors.ServerUnavailable)
    assert isinstance(classify(httpx.ReadTimeout("slow")), errors.ServerTimeout)
    assert isinstance(classify(httpx.RemoteProtocolError("peer closed")), errors.ServerUnavailable)


def test_every_error_is_a_mathbot_error() -> None:
    for error in (errors.EmptyQuestion(), errors.QuestionTooLong(10, 5), errors.Cancelled()):
        assert isinstance(error, errors.MathbotError)
        assert error.user_message


def test_hf_offline_mode_is_a_configuration_error_not_an_outage() -> None:
    from huggingface_hub.errors import OfflineModeIsEnabled

    error = classify(OfflineModeIsEnabled("offline mode is enabled"))
    assert isinstance(error, errors.ServerRejected) and not error.retryable
    assert "HF_HUB_OFFLINE" in error.detail and "HF_HUB_OFFLINE" not in error.user_message
