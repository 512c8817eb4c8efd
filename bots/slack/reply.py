"""The worker's side of Slack: SlackReply edits the placeholder (progress, answer, error) over the Web API."""

from __future__ import annotations

import logging

import redis
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bots.slack import blocks, clients, installations, store, study, texts
from bots.slack.config import SlackConfig
from bots.slack.ratelimit import EditBudget
from mathbot import claims, present, questions, render
from mathbot.errors import MathbotError
from mathbot.jobs import ReplyTarget
from mathbot.outcome import Answer, Progress
from mathbot.settings import Settings
from mathbot.study.cards import Card

log = logging.getLogger(__name__)

FINAL_SLOT_WAIT_SECONDS = 30.0
"""How long a final answer or error waits for room under Slack's chat.update limit before it goes
anyway (and the client waits out a 429): when many answers finish in the same minute."""

GONE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})
"""chat.update errors meaning the placeholder cannot be edited (deleted, too old): post instead."""

REFUSED = frozenset({"invalid_blocks", "invalid_blocks_format", "msg_too_long", "invalid_arguments"})
"""Errors about the message itself: a bug in formatting must not cost the answer (plain text goes)."""

UNDELIVERABLE = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "team_access_not_granted",
        "account_inactive",
        "token_revoked",
        "invalid_auth",
    }
)
"""Errors no later attempt can get past (mathbot was removed, the channel archived, the token revoked):
the answer is dropped with an error in the log. Raising would fail the job, and RQ would generate
the whole answer again only to fail the same way."""


class SlackReply:
    """One question's messages in its Slack thread.

    Progress edits are best effort: skipped when the workspace's edit budget is spent, after a 429
    (which starts a cool-down for every worker), or while another process edits the message.
    The answer and errors always go out (they wait, bounded, for room under Slack's chat.update limit,
    and `client` waits out 429s), and are idempotent: a second call edits the same messages instead of
    posting new ones. `quick_client` never waits on a 429: it
    serves what may be skipped (progress, formula images) so a rate limit never holds the worker.
    """

    def __init__(
        self,
        target: ReplyTarget,
        client: WebClient,
        quick_client: WebClient,
        connection: redis.Redis,
        config: SlackConfig,
    ) -> None:
        self.target, self.client, self.quick_client = target, client, quick_client
        self.connection, self.config = connection, config
        self.budget = EditBudget(connection, target.team, config.edits_per_minute)
        self.ids = f"channel={target.channel} thread={target.thread} placeholder={target.placeholder}"

    def placeholder(self, text: str) -> str | None:
        """Post a placeholder in the thread (the adapter normally did) and remember it for edits."""
        response = self.client.chat_postMessage(
            channel=self.target.channel, thread_ts=self.target.thread, text=blocks.escape(text)
        )
        ts = response.get("ts")
        if ts:
            self.target = self.target.model_copy(update={"placeholder": ts})
        return ts

    def progress(self, progress: Progress) -> None:
        ts = self.target.placeholder
        if not ts:
            return
        # "retrying" tells the user why it takes longer: it may use the headroom progress leaves
        # under Slack's limit, but many answers retrying at once (a server outage) must not break it
        if not self.budget.try_spend(
            urgent=progress.phase == "retrying", message=f"{self.target.channel}:{ts}"
        ):
            log.debug("%s progress edit skipped: workspace edit budget spent", self.ids)
            return
        message = blocks.progress_message(progress, blocks.action_value(self.target.channel, ts))
        try:
            self.quick_client.chat_update(
                channel=self.target.channel, ts=ts, text=message.text, blocks=message.blocks
            )
        except SlackApiError as exc:
            if exc.response.status_code == 429:
                wait = float(exc.response.headers.get("Retry-After", 30))
                log.warning("%s rate limited by Slack; progress edits paused %.0f s", self.ids, wait)
                self.budget.cool_down(wait)
            else:
                log.warning("%s progress edit failed: %s", self.ids, exc.response.get("error"))

    def answer(self, answer: Answer) -> None:
        channel, ts = self.target.channel, self.target.placeholder or ""
        if not ts:
            ts = self.placeholder(present.RECEIVED) or ""
        value = blocks.action_value(channel, ts)
        if answer.reasoning.strip():
            store.save_reasoning(
                self.connection,
                channel,
                ts,
                {
                    "thread": self.target.thread,
                    "reasoning": answer.reasoning,
                    "tokens": answer.completion_tokens,
                    "seconds": answer.thinking_seconds,
                    "problem": answer.question,
                },
                self.config.keep_seconds,
            )
        parts = blocks.answer_messages(answer, value, self.config.vote_samples)
        if not self._final_edit(ts, parts[0]):
            return
        for index, part in enumerate(parts[1:], start=1):
            try:
                self._post_part(ts, index, part)
            except (SlackApiError, OSError) as exc:
                # The answer is shown: raising now would fail the job and have RQ generate a different
                # answer to put over it. A repeated delivery posts the parts still missing.
                log.error(
                    "%s answer part %d of %d not posted: %s", self.ids, index + 1, len(parts), _why(exc)
                )
                break
        log.info(
            "%s answer delivered: final=%r truncated=%s messages=%d",
            self.ids,
            answer.final,
            answer.truncated,
            len(parts),
        )
        if answer.solution and not answer.truncated:
            self._upload_formulas(ts, answer.solution)

    def card(self, card: Card) -> str | None:
        """A study card: ephemeral when private, else in place of the placeholder or as a new message
        (`bots.slack.study.deliver`)."""
        return study.deliver(self, card)

    def error(self, error: MathbotError) -> None:
        ts = self.target.placeholder
        if not ts:
            ts = self.placeholder(present.RECEIVED)
        if not ts:
            return
        message = blocks.error_message(error, blocks.action_value(self.target.channel, ts))
        if self._final_edit(ts, message):
            log.info("%s error delivered: %s", self.ids, type(error).__name__)

    def _final_edit(self, ts: str, message: blocks.Message) -> bool:
        """Edit the placeholder into its final form; False (nothing sent) when Slack will never take
        it (`UNDELIVERABLE`). Other failures (429s beyond the retries, network) raise. The worker has
        checked the question's gate: it is open and this run speaks for it."""
        waited = self.budget.spend_within(FINAL_SLOT_WAIT_SECONDS)
        if waited >= 1:
            log.info("%s final edit waited %.0f s for the workspace's chat.update budget", self.ids, waited)
        try:
            self._send(message, edit=ts, thread=self.target.thread or ts)
        except SlackApiError as exc:
            if exc.response.get("error") not in UNDELIVERABLE:
                raise
            log.error("%s answer cannot be delivered, dropped: %s", self.ids, _why(exc))
            return False
        return True

    def _post_part(self, ts: str, index: int, part: blocks.Message) -> None:
        """Follow-up message `index` of a long answer: posted once, edited on a repeated delivery."""
        posted = questions.parts(self.connection, "slack", ts).get(index)
        if posted:
            self.budget.spend()
        new = self._send(part, edit=posted, thread=self.target.thread or ts)
        if new and new != posted:
            questions.add_part(self.connection, "slack", ts, index, new, self.config.keep_seconds)

    def _send(self, message: blocks.Message, edit: str | None, thread: str) -> str | None:
        """Edit message `edit` (or post in `thread` if there is none, or it is gone); if Slack refuses
        the blocks, send the plain text rather than lose the answer. Returns the message's ts."""
        channel = self.target.channel
        for attempt in (message, blocks.Message(message.text)):
            try:
                if edit:  # counted by the caller (EditBudget)
                    self.client.chat_update(
                        channel=channel, ts=edit, text=attempt.text, blocks=attempt.blocks
                    )
                    return edit
                response = self.client.chat_postMessage(
                    channel=channel, thread_ts=thread, text=attempt.text, blocks=attempt.blocks
                )
                return str(response["ts"])
            except SlackApiError as exc:
                error = exc.response.get("error")
                if error in GONE and edit:
                    log.info("%s message %s gone (%s): posting anew", self.ids, edit, error)
                    return self._send(attempt, edit=None, thread=thread)
                if error not in REFUSED or not attempt.blocks:
                    raise
                log.error("%s Slack refused the blocks (%s): sending plain text", self.ids, error)
        return None

    def _upload_formulas(self, ts: str, solution: str) -> None:
        """The displayed formulas as PNG images in the thread: at most once, best effort."""
        channel = self.target.channel
        formulas = blocks.formulas_to_render(solution, self.config.max_images)
        claim = store.claim_name(store.IMAGES, channel, ts)
        if not formulas or not claims.claim(self.connection, claim, self.config.keep_seconds):
            return
        uploads = []
        for number, latex in enumerate(formulas, start=1):
            png = render.render_png(latex)
            if png:
                title = f"Formula {number}"
                uploads.append({"file": png, "filename": f"formula-{number}.png", "title": title})
        if not uploads:
            return
        try:  # the quick client: a 429 here skips the images rather than holding the worker
            self.quick_client.files_upload_v2(
                file_uploads=uploads,
                channel=channel,
                thread_ts=self.target.thread or ts,
                initial_comment=texts.IMAGES_COMMENT,
            )
        except Exception as exc:  # images are a bonus: the answer is already delivered
            claims.unclaim(self.connection, claim)
            log.warning("%s formula images not uploaded: %s", self.ids, type(exc).__name__)


def _why(exc: BaseException) -> str:
    """Slack's error code, or the kind of network failure: safe to log (no token in either)."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error"))
    return type(exc).__name__


def make_reply(target: ReplyTarget, settings: Settings) -> SlackReply:
    """The worker's entry point (see `mathbot.platforms`). Speaks with
    the token of the target's workspace; raises `NotInstalled` when mathbot has none there any more."""
    from mathbot.queue import connect

    config = SlackConfig.from_settings(settings)
    connection = connect(settings)
    try:
        token = installations.bot_token(settings, connection, team=target.team, enterprise=target.enterprise)
    except MathbotError:
        connection.close()
        raise
    return SlackReply(
        target,
        clients.web_client(settings, config, token=token),
        clients.web_client(settings, config, token=token, wait_on_429=False),
        connection,
        config,
    )
