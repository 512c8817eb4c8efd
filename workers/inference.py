"""The inference server, seen through huggingface_hub's client and the OpenAI-compatible chat API.

TGI, vLLM, SGLang and llama.cpp all serve `/v1/chat/completions`; only token counting differs
(TGI's `/chat_tokenize`, vLLM's `/tokenize` with messages), with an estimate as the fallback.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from huggingface_hub import ChatCompletionInputStreamOptions, InferenceClient
from huggingface_hub.errors import HfHubHTTPError, InferenceTimeoutError, TextGenerationError
from rq.timeouts import JobTimeoutException

from mathbot import defaults, errors, messages, metrics
from mathbot.prompt import Message, estimate_tokens
from mathbot.settings import Settings

log = logging.getLogger(__name__)

COUNT_MARGIN = 16
"""Tokens added to an exact count: servers may add a BOS or count the template slightly differently."""


@dataclass(frozen=True)
class Delta:
    """One streamed chunk, reduced to what mathbot uses."""

    content: str = ""
    reasoning: str = ""
    finish_reason: str | None = None
    completion_tokens: int | None = None
    """Set on the final chunk when the server reports usage."""


@dataclass(frozen=True)
class Params:
    max_tokens: int
    temperature: float
    top_p: float
    seed: int


class InferenceServer:
    """A TGI-compatible server: counts prompt tokens and streams chat completions.

    Every failure leaves as a `mathbot.errors.ServerError` (mapped in `classify`).
    """

    def __init__(self, settings: Settings) -> None:
        self.base_url = settings.tgi_url.rstrip("/")
        key = settings.tgi_api_key.get_secret_value() if settings.tgi_api_key else None
        self.model = settings.model
        self.client = InferenceClient(base_url=self.base_url, api_key=key, timeout=settings.http_timeout)
        self.http = httpx.Client(
            timeout=httpx.Timeout(settings.http_timeout, connect=defaults.CONNECT_TIMEOUT),
            headers={"Authorization": f"Bearer {key}"} if key else {},
        )
        self._count_paths: tuple[str, ...] = ("/chat_tokenize", "/tokenize")

    def count(self, msgs: list[Message]) -> int:
        """Prompt tokens of `msgs` with the server's own tokenizer and template, or a safe estimate.

        Tries TGI's `/chat_tokenize`, then vLLM's `/tokenize` with messages; remembers which one
        answered, or that none did (then every count is a conservative estimate).
        """
        for path in self._count_paths:
            try:
                response = self.http.post(self.base_url + path, json={"model": self.model, "messages": msgs})
            except httpx.HTTPError as exc:
                raise classify(exc) from exc
            if response.status_code >= 500 or response.status_code in (401, 403, 429):
                raise errors.from_http(response.status_code, response.text)
            tokens = _token_count(response)
            if tokens is not None:
                self._count_paths = (path,)
                return tokens + COUNT_MARGIN
        self._count_paths = ()
        return estimate_tokens(msgs, defaults.CHARS_PER_TOKEN_ESTIMATE)

    def stream(self, msgs: list[Message], params: Params) -> Iterator[Delta]:
        """Stream one chat completion; raises `ServerError` on any failure, mid-stream included.

        Once the finish reason has arrived the answer is complete: a connection lost after it (before
        the usage chunk or `[DONE]`) ends the stream instead of costing a whole new generation.
        """
        finished, started = False, False
        metrics.stream_opened(self.base_url)
        try:
            chunks = self.client.chat_completion(
                list(msgs),
                model=self.model,
                stream=True,
                max_tokens=params.max_tokens,
                temperature=params.temperature,
                top_p=params.top_p,
                seed=params.seed,
                stream_options=ChatCompletionInputStreamOptions(include_usage=True),
            )
            for chunk in chunks:
                delta = _delta(chunk)
                finished = finished or delta.finish_reason is not None
                started = True
                yield delta
        except (errors.MathbotError, JobTimeoutException):
            raise  # RQ's job timeout arrives as an exception in the read: it is not a server failure
        except ValueError:
            # TGI's SSE framing may end with `data:[DONE]` (no space), which huggingface_hub only
            # recognises as `data: [DONE]`: after a finish reason that is the end, not a failure.
            if not finished:
                raise errors.ServerUnavailable(messages.SERVER_FAILING, detail="unreadable stream") from None
        except Exception as exc:
            error = classify(exc)
            if finished and not isinstance(error, errors.ServerRejected):
                log.warning("stream lost after its finish reason (%s): keeping the answer", error.detail)
                return
            if started and error.user_message == messages.SERVER_DOWN:  # it was reachable: it broke
                error = errors.ServerUnavailable(messages.SERVER_FAILING, detail=error.detail)
            raise error from exc
        finally:
            metrics.stream_closed(self.base_url)

    def close(self) -> None:
        """Release connections (the client keeps every streamed response until closed)."""
        self.http.close()
        self.client.close()


def _delta(chunk: Any) -> Delta:
    """Reduce a chunk; attribute access, because huggingface_hub keeps fields it does not know
    (vLLM's `reasoning_content`) as attributes only, not in the dict view."""
    usage = getattr(chunk, "usage", None)
    completion_tokens = getattr(usage, "completion_tokens", None) if usage else None
    choices = getattr(chunk, "choices", None) or []
    if not choices:
        return Delta(completion_tokens=completion_tokens)
    choice = choices[0]
    delta = getattr(choice, "delta", None)
    return Delta(
        content=getattr(delta, "content", None) or "",
        reasoning=getattr(delta, "reasoning_content", None) or getattr(delta, "reasoning", None) or "",
        finish_reason=getattr(choice, "finish_reason", None),
        completion_tokens=completion_tokens,
    )


def classify(exc: BaseException) -> errors.ServerError:
    """Map any client-side failure onto mathbot's error tree (pure).

    huggingface_hub raises typed errors for TGI's error bodies (also mid-stream, as an SSE event
    with HTTP 200), `HfHubHTTPError` for other statuses, and the transport's own exceptions
    (httpx or httpx2, depending on the major) for timeouts and broken connections.
    """
    if isinstance(exc, errors.ServerError):
        return exc
    if type(exc).__name__ == "OfflineModeIsEnabled":  # HF_HUB_OFFLINE=1 also blocks a local TGI URL
        return errors.ServerRejected(messages.SERVER_MISCONFIGURED, detail="HF_HUB_OFFLINE is set: unset it")
    if isinstance(exc, TextGenerationError):
        kind = type(exc).__name__
        if kind == "OverloadedError":
            return errors.ServerOverloaded(messages.SERVER_OVERLOADED, detail=str(exc))
        if kind == "ValidationError":
            rejected = errors.budget_rejection(str(exc))
            return rejected or errors.ServerRejected(messages.SERVER_REJECTED, detail=str(exc))
        return errors.ServerUnavailable(messages.SERVER_FAILING, detail=f"{kind}: {exc}")
    if isinstance(exc, InferenceTimeoutError):
        return errors.ServerTimeout(messages.SERVER_TIMEOUT, detail=str(exc))
    if isinstance(exc, HfHubHTTPError):
        response = exc.response
        status = response.status_code if response is not None else None
        return errors.from_http(status, _safe_body(response))
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & {"TimeoutException", "TimeoutError", "ReadTimeout"}:
        return errors.ServerTimeout(messages.SERVER_TIMEOUT, detail=type(exc).__name__)
    if names & {"TransportError", "ConnectionError", "RemoteProtocolError", "OSError"}:
        return errors.ServerUnavailable(messages.SERVER_DOWN, detail=f"{type(exc).__name__}: {exc}")
    return errors.ServerUnavailable(messages.SERVER_FAILING, detail=f"{type(exc).__name__}: {exc}")


def _token_count(response: httpx.Response) -> int | None:
    """The token count in a tokenize response (TGI's or vLLM's shape), None if it is neither."""
    if response.status_code != 200:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and isinstance(body.get("count"), int):
        return int(body["count"])
    if isinstance(body, dict) and isinstance(body.get("tokenize_response"), list):
        return len(body["tokenize_response"])
    return None


def _safe_body(response: Any) -> str:
    try:
        return str(response.text)
    except Exception:  # a streamed response whose body was never read
        return ""
