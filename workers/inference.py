"""One inference server, seen through huggingface_hub's client and the OpenAI-compatible chat API.

TGI, vLLM, SGLang, llama.cpp and `transformers serve` all serve `/v1/chat/completions`; what else a
server offers (token counting, budget forcing) is probed once and remembered (`workers.probe`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from huggingface_hub import ChatCompletionInputStreamOptions, InferenceClient
from huggingface_hub.errors import (
    HfHubHTTPError,
    InferenceTimeoutError,
    OfflineModeIsEnabled,
    OverloadedError,
    TextGenerationError,
    ValidationError,
)
from rq.timeouts import JobTimeoutException

from mathbot import defaults, errors, messages, metrics
from mathbot.prompt import Message, estimate_tokens
from mathbot.settings import Settings
from workers import probe
from workers.guard import Cut, Guard

try:  # huggingface_hub 2.x streams over httpx2, 1.x over httpx
    import httpx2

    TIMEOUTS: tuple[type[BaseException], ...] = (
        httpx.TimeoutException,
        httpx2.TimeoutException,
        TimeoutError,
    )
    BROKEN: tuple[type[BaseException], ...] = (httpx.TransportError, httpx2.TransportError, OSError)
except ImportError:  # pragma: no cover - huggingface_hub 1.x
    TIMEOUTS = (httpx.TimeoutException, TimeoutError)
    BROKEN = (httpx.TransportError, OSError)

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
    cut: Cut = ""
    """Set when mathbot stopped a stream the server would not stop (`workers.guard`)."""


@dataclass(frozen=True)
class Params:
    max_tokens: int
    temperature: float
    top_p: float
    seed: int


def label(url: str) -> str:
    """A server's name for logs, metrics and Redis keys: its URL without credentials."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


class InferenceServer:
    """One server: counts prompt tokens and streams chat completions.

    Every failure leaves as a `mathbot.errors.ServerError` (mapped in `classify`). One instance serves
    one generation at a time (its streams are closed when it ends or is cut).
    """

    def __init__(
        self, settings: Settings, url: str | None = None, *, profiles: probe.Profiles | None = None
    ) -> None:
        self.base_url = (url or settings.inference_urls[0]).rstrip("/")
        self.label = label(self.base_url)
        self.profiles = profiles or probe.Profiles()
        key = settings.tgi_api_key.get_secret_value() if settings.tgi_api_key else None
        self.model = settings.model
        self.max_total, self.reserve = settings.max_total_tokens, settings.rescue_reserve
        self.client = InferenceClient(base_url=self.base_url, api_key=key, timeout=settings.http_timeout)
        self.http = httpx.Client(
            timeout=httpx.Timeout(settings.http_timeout, connect=defaults.CONNECT_TIMEOUT),
            headers={"Authorization": f"Bearer {key}"} if key else {},
        )
        self.heartbeat: Callable[[], None] = lambda: None
        """Called for every chunk streamed (the fleet keeps the generation's lease alive with it)."""

    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        """POST JSON to the server; raises `ServerError` for failures that are the server's state (5xx,
        429, auth, unreachable), returns any other response (a 404 or 400 is an answer here)."""
        try:
            response = self.http.post(self.base_url + path, json=body)
        except httpx.HTTPError as exc:
            raise classify(exc) from exc
        if response.status_code >= 500 or response.status_code in (401, 403, 429):
            raise errors.from_http(response.status_code, response.text)
        return response

    def profile(self, msgs: list[Message] | None = None) -> probe.Profile:
        """What this server can do: remembered, or probed now (with `msgs` as the sample to count)."""
        known = self.profiles.get(self.label)
        return known if known is not None else self._probe(msgs or [{"role": "user", "content": "1+1"}])[0]

    def count(self, msgs: list[Message]) -> int:
        """Prompt tokens of `msgs` with the server's own tokenizer and template, or a safe estimate."""
        profile = self.profiles.get(self.label)
        if profile is None:
            profile, tokens = self._probe(msgs)
        elif profile.count:
            tokens = _token_count(self.post(profile.count, {"model": self.model, "messages": msgs}))
            if tokens is None:  # it no longer answers there (upgraded, replaced): find out again
                log.warning(
                    "server=%s %s no longer counts tokens; probing it again", self.label, profile.count
                )
                self.profiles.forget(self.label)
                profile, tokens = self._probe(msgs)
        else:
            tokens = None
        if tokens is not None:
            return tokens + COUNT_MARGIN
        return estimate_tokens(msgs, defaults.CHARS_PER_TOKEN_ESTIMATE)

    def _probe(self, msgs: list[Message]) -> tuple[probe.Profile, int | None]:
        count: probe.CountPath = ""
        tokens = None
        for path in probe.COUNT_PATHS:
            tokens = _token_count(self.post(path, {"model": self.model, "messages": msgs}))
            if tokens is not None:
                count = path
                break
        profile = probe.derive(
            count,
            detokenizes=count == "/tokenize" and self._serves("/detokenize"),
            completes=count == "/tokenize" and self._serves("/v1/completions"),
            sglang=not count and self._identifies("/get_model_info", "model_path"),
            input_limit=self._input_limit() if count == "/chat_tokenize" else 0,
        )
        log.info("server=%s probed: %s", self.label, profile)
        needed = self.max_total - self.reserve
        if self.reserve and profile.input_limit and profile.input_limit < needed:
            log.warning(
                "server=%s takes prompts of at most %d tokens: budget forcing needs about %d (the prompt and "
                "the reasoning so far), so answers that run out of room stay truncated there. Start TGI with "
                "--max-input-tokens %d to allow it (mathbot refuses long questions itself).",
                self.label,
                profile.input_limit,
                needed,
                self.max_total - 1,
            )
        self.profiles.put(self.label, profile)
        return profile, tokens

    def _serves(self, path: str) -> bool:
        """Whether a POST route exists (an empty body gets a validation error there, not a 404)."""
        return self.post(path, {}).status_code not in (404, 405)

    def _input_limit(self) -> int:
        """TGI's `--max-input-tokens`, from `/info` (0 when it does not say)."""
        try:
            info = self.http.get(self.base_url + "/info").json()
        except (httpx.HTTPError, ValueError):
            return 0
        limit = info.get("max_input_tokens") or info.get("max_input_length") if isinstance(info, dict) else 0
        return int(limit) if isinstance(limit, int) else 0

    def _identifies(self, path: str, field: str) -> bool:
        try:
            response = self.http.get(self.base_url + path)
            return response.status_code == 200 and field in response.json()
        except (httpx.HTTPError, ValueError):
            return False

    def stream(
        self, msgs: list[Message], params: Params, extra: dict[str, Any] | None = None
    ) -> Iterator[Delta]:
        """Stream one chat completion; raises `ServerError` on any failure, mid-stream included.

        Once the finish reason has arrived the answer is complete: a connection lost after it (before
        the usage chunk or `[DONE]`) ends the stream instead of costing a whole new generation. A stream
        that runs well past `max_tokens` or only sends blanks is stopped (`Delta.cut`, reported as a
        length stop). `extra`: more fields of the request body (SGLang's `continue_final_message`).
        """
        finished, started = False, False
        guard = Guard(params.max_tokens)
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
                extra_body=extra,
            )
            for chunk in chunks:
                self.heartbeat()
                delta = _delta(chunk)
                finished = finished or delta.finish_reason is not None
                started = True
                cut = guard.check(delta.content + delta.reasoning, delta.completion_tokens)
                if cut and not finished:
                    log.warning(
                        "server=%s stream stopped by mathbot: %s (max_tokens %d)",
                        self.label,
                        cut,
                        params.max_tokens,
                    )
                    yield Delta(finish_reason="length", completion_tokens=guard.tokens, cut=cut)
                    return
                yield delta
        except (errors.MathbotError, JobTimeoutException):
            raise  # RQ's job timeout arrives as an exception in the read: it is not a server failure
        except Exception as exc:
            if isinstance(exc, ValueError) and not isinstance(exc, HfHubHTTPError):  # its 400 is one too
                # TGI's SSE framing may end with `data:[DONE]` (no space), which huggingface_hub only
                # recognises as `data: [DONE]`: after a finish reason that is the end, not a failure.
                if not finished:
                    raise errors.ServerUnavailable(
                        messages.SERVER_FAILING, detail="unreadable stream"
                    ) from None
                return
            error = classify(exc)
            if finished and not isinstance(error, errors.ServerRejected):
                log.warning(
                    "server=%s stream lost after its finish reason (%s): keeping it", self.label, error.detail
                )
                return
            if started and error.user_message == messages.SERVER_DOWN:  # it was reachable: it broke
                error = errors.ServerUnavailable(messages.SERVER_FAILING, detail=error.detail)
            raise error from exc
        finally:
            metrics.stream_closed(self.base_url)
            self.client.close()  # closes this stream's response: a stream cut short frees the server

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
    if isinstance(exc, OfflineModeIsEnabled):  # HF_HUB_OFFLINE=1 also blocks a local TGI URL
        return errors.ServerRejected(messages.SERVER_MISCONFIGURED, detail="HF_HUB_OFFLINE is set: unset it")
    if isinstance(exc, OverloadedError):
        return errors.ServerOverloaded(messages.SERVER_OVERLOADED, detail=str(exc))
    if isinstance(exc, ValidationError):
        rejected = errors.budget_rejection(str(exc))
        return rejected or errors.ServerRejected(messages.SERVER_REJECTED, detail=str(exc))
    if isinstance(exc, TextGenerationError):  # GenerationError, IncompleteGenerationError, UnknownError
        return errors.ServerUnavailable(messages.SERVER_FAILING, detail=f"{type(exc).__name__}: {exc}")
    if isinstance(exc, InferenceTimeoutError):
        return errors.ServerTimeout(messages.SERVER_TIMEOUT, detail=str(exc))
    if isinstance(exc, HfHubHTTPError):
        response = exc.response
        status = response.status_code if response is not None else None
        return errors.from_http(status, _safe_body(response))
    if isinstance(exc, TIMEOUTS):
        return errors.ServerTimeout(messages.SERVER_TIMEOUT, detail=type(exc).__name__)
    if isinstance(exc, BROKEN):
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
