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
    import httpx2
    from huggingface_hub.errors import GenerationError, IncompleteGenerationError, InferenceTimeoutError

    assert isinstance(classify(OverloadedError("Model is overloaded")), errors.ServerOverloaded)
    assert isinstance(classify(GenerationError("CUDA OOM")), errors.ServerUnavailable)
    assert isinstance(classify(IncompleteGenerationError("cut")), errors.ServerUnavailable)
    assert isinstance(classify(InferenceTimeoutError("slow")), errors.ServerTimeout)
    assert isinstance(classify(httpx2.ReadTimeout("slow")), errors.ServerTimeout)
    assert classify(httpx2.ConnectError("refused")).user_message == errors.messages.SERVER_DOWN
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


TGI_TOTAL = (
    '{"error":"`inputs` tokens + `max_new_tokens` must be <= 16384. Given: 9000 `inputs` tokens and '
    '13000 `max_new_tokens`","error_type":"validation"}'
)
TGI_INPUT = '{"error":"`inputs` must have less than 12288 tokens. Given: 13000","error_type":"validation"}'
VLLM_OLD = (
    '{"object":"error","message":"This model\'s maximum context length is 16384 tokens. However, you '
    'requested 22000 tokens (9000 in the messages, 13000 in the completion).","code":400}'
)
VLLM_NEW = (
    '{"error":{"message":"\'max_tokens\' is too large: 13000. This model\'s maximum context length is '
    '16384 tokens and your request has 9000 input tokens (13000 > 16384 - 9000).","code":400}}'
)

SGLANG_TOTAL = (
    '{"object":"error","message":"Requested token count exceeds the model\'s maximum context length of 16384 '
    "tokens. You requested a total of 16384 tokens: 9000 tokens from the input messages and 7384 tokens for "
    "the completion. Please reduce the number of tokens in the input messages or the completion to fit "
    'within the limit.","type":"BadRequestError","param":null,"code":400}'
)
SGLANG_INPUT = (
    '{"object":"error","message":"The input (17000 tokens) is longer than the model\'s context length '
    '(16384 tokens).","type":"BadRequestError","param":null,"code":400}'
)


@pytest.mark.parametrize(
    ("status", "body", "prompt", "total", "limit"),
    [
        (422, TGI_TOTAL, 9000, 16384, None),
        (422, TGI_INPUT, 13000, None, 12288),
        (400, VLLM_OLD, 9000, 16384, None),
        (400, VLLM_NEW, 9000, 16384, None),
        (400, SGLANG_TOTAL, 9000, 16383, None),  # SGLang refuses filling its context exactly
        (400, SGLANG_INPUT, 17000, 16383, None),
    ],
    ids=["tgi-total", "tgi-input", "vllm-old", "vllm-new", "sglang-total", "sglang-input"],
)
def test_length_refusals_carry_the_servers_numbers(status, body, prompt, total, limit) -> None:
    error = errors.from_http(status, body)
    assert isinstance(error, errors.BudgetRejected) and not error.retryable
    assert (error.prompt_tokens, error.max_total, error.max_input) == (prompt, total, limit)


def test_other_validation_errors_are_plain_rejections() -> None:
    error = errors.from_http(422, '{"error":"`top_p` must be > 0.0 and < 1.0","error_type":"validation"}')
    assert type(error) is errors.ServerRejected
    assert isinstance(classify(ValidationError(TGI_TOTAL)), errors.BudgetRejected)


def test_huggingface_hubs_400_is_classified_not_taken_for_a_broken_stream() -> None:
    """huggingface_hub 2.x raises BadRequestError (also a ValueError) for vLLM's and SGLang's 400s."""
    import httpx2
    from huggingface_hub.errors import BadRequestError

    request = httpx2.Request("POST", "http://vllm:8000/v1/chat/completions")
    response = httpx2.Response(400, text=VLLM_NEW, request=request)
    error = classify(BadRequestError("Bad request", response=response))
    assert isinstance(error, errors.BudgetRejected) and error.max_total == 16384
