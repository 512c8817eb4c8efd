"""Budget forcing: a generation that runs out of room is concluded instead of lost.

With 16,384 tokens in all, hard problems sometimes think until the budget is spent and never write an
answer. Where the server allows it (`Profile.can_rescue`), the chat stream asks for `reserve` tokens
fewer than it may; if it stops for length, the reasoning so far is closed for the model with a short
sentence and `</think>` (s1's budget forcing), and the model continues from there, on the same server,
in the tokens kept back: it writes its conclusion and boxed answer from what it has. The result is
marked `rescued` ("answered under the token limit; the reasoning was cut short").

To the caller the continuation is more deltas of the same stream: the closing text first, then the
conclusion, then its finish reason; usage counts both generations. A continuation the server refuses
(its route gone, its length limit) leaves the plain length stop, reported as truncated.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace

from mathbot import errors
from mathbot.prompt import Message
from workers import continuation
from workers.inference import Delta, InferenceServer, Params
from workers.probe import Profile

log = logging.getLogger(__name__)

CLOSING = "\n\nConsidering the limited time, I have to give the solution now.\n</think>\n\n"
"""What closes the model's reasoning for it (the wording of budget-forcing papers for R1 distills)."""

CLOSING_TOKENS = 32
"""An upper bound of CLOSING's tokens in any Qwen-like tokenizer, kept free beside it."""

MIN_CONTINUATION = 64
"""Fewer tokens than this left for a conclusion: no rescue is tried."""

OPEN, CLOSE = "<think>", "</think>"


class Rescue:
    """One generation's deltas, with budget forcing (see the module docstring).

    `max_total` and `prompt_tokens` are the budget as fitted (our count of the prompt, margin included).
    """

    def __init__(self, server: InferenceServer, reserve: int, max_total: int, prompt_tokens: int) -> None:
        self.server, self.reserve = server, reserve
        self.max_total, self.prompt_tokens = max_total, prompt_tokens
        self.rescued = False
        """True once a continuation ended by itself (the model concluded)."""

    def deltas(self, msgs: list[Message], params: Params) -> Iterator[Delta]:
        """Stream `msgs`, continuing past a length stop when the server allows it."""
        profile = self.server.profile(msgs) if self.reserve else None
        kept = self.reserve if profile and self._possible(profile, params) else 0
        content: list[str] = []
        reasoning: list[str] = []
        finish, generated, cut = "", 0, ""
        for delta in self.server.stream(msgs, replace(params, max_tokens=params.max_tokens - kept)):
            content.append(delta.content)
            reasoning.append(delta.reasoning)
            generated += bool(delta.content or delta.reasoning)
            finish = delta.finish_reason or finish
            generated = max(generated, delta.completion_tokens or 0)
            cut = cut or delta.cut
            yield delta
        if finish != "length" or not kept or cut or profile is None:
            return
        room = min(kept, self.max_total - self.prompt_tokens - generated - CLOSING_TOKENS)
        if room < MIN_CONTINUATION:
            return
        so_far = _raw("".join(reasoning), "".join(content))
        log.info(
            "server=%s reasoning hit the budget after %d tokens; concluding in %d",
            self.server.label,
            generated,
            room,
        )
        yield from self._conclude(msgs, so_far, replace(params, max_tokens=room), generated, profile.route)

    def _possible(self, profile: Profile, params: Params) -> bool:
        """Whether a continuation could work here: a route, room to keep back, and (TGI) a prompt limit
        that lets the reasoning so far back in."""
        needed = self.max_total - self.reserve + CLOSING_TOKENS
        fits = not profile.input_limit or profile.input_limit >= needed
        return profile.can_rescue and params.max_tokens > 2 * self.reserve and fits

    def _conclude(
        self, msgs: list[Message], so_far: str, params: Params, generated: int, route: str
    ) -> Iterator[Delta]:
        closing = "" if CLOSE in so_far else CLOSING
        for attempt in range(2):
            try:
                stream = self._continuation(msgs, so_far + closing, params, route)
                first = next(stream, None)  # nothing is shown until the server has accepted it
            except errors.BudgetRejected as exc:  # our count was off: once more with the server's numbers
                room = (exc.max_total or 0) - exc.prompt_tokens - CLOSING_TOKENS
                if attempt or room < MIN_CONTINUATION:
                    self._give_up(exc)
                    return
                params = replace(params, max_tokens=min(params.max_tokens, room))
                continue
            except errors.ServerRejected as exc:  # the route or template is gone: find out again later
                self.server.profiles.forget(self.server.label)
                self._give_up(exc)
                return
            if first is None:
                return
            if closing:
                yield Delta(content=closing)
            done = 0
            for delta in _chain(first, stream):
                done = max(done + bool(delta.content or delta.reasoning), delta.completion_tokens or 0)
                if delta.finish_reason is not None:
                    self.rescued = delta.finish_reason == "stop" and not delta.cut
                reported = delta.finish_reason is not None or delta.completion_tokens is not None
                yield replace(delta, completion_tokens=generated + done if reported else None)
            return

    def _continuation(self, msgs: list[Message], text: str, params: Params, route: str) -> Iterator[Delta]:
        if route == "continue_final_message":
            return continuation.continue_chat(self.server, msgs, text, params)
        prompt = continuation.templated(self.server, msgs, self.server.profile(msgs))
        if prompt.rstrip().endswith(OPEN) and text.lstrip().startswith(
            OPEN
        ):  # the template opened it already
            text = text.lstrip()[len(OPEN) :]
        return continuation.continue_text(self.server, route, prompt + text, params)

    def _give_up(self, exc: errors.ServerError) -> None:
        log.warning(
            "server=%s budget forcing refused (%s): the answer stays truncated", self.server.label, exc.detail
        )


def _chain(first: Delta, rest: Iterator[Delta]) -> Iterator[Delta]:
    yield first
    yield from rest


def _raw(reasoning: str, content: str) -> str:
    """The model's own text so far: a reasoning parser (vLLM, SGLang) took out the `</think>` between
    the reasoning it split off and the content."""
    if reasoning:
        return reasoning + (CLOSE + content if content else "")
    return content
