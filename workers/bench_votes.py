"""What votes that stop early save: real votes against the simulator, and a model of the stopping rule.

For each accuracy and number of samples k, every one of `--problems` AIME 2025 problems is asked as a
k-sample vote at once (the consensus code of the workers, in this process), the simulator wrong that
share of the time. The simulator counts the tokens each generation would have written had its client
read to the end (`tokens_planned`) and those it streamed: their difference is what early stopping
saved. The same votes drawn in full (MATHBOT_VOTE_EARLY_STOP off) check that the answers are the same.

A second table models the rule on many more votes (pure arithmetic, no server): samples right with
that probability, wrong ones spread over 80 nearby integers as the simulator's are, all started
together and finishing in order of length. Lengths as the simulator draws them (±15 %, whatever the
answer), and as assumed for a reasoning model (log-normal, σ = 0.4, wrong answers 1.5 times as long:
R1-style models think longer when they go wrong). It compares the rule mathbot uses (the winner
outnumbers all other answers and the pending samples together) with the looser "the winner
outnumbers the runner-up and the pending samples", which ignores that one new answer can link two
groups.

    python -m workers.bench_votes [--problems 10] [--accuracy 0.5 0.6 0.7 0.8] [--samples 5 8]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx

from mathbot import data as problem_data
from mathbot import equivalence
from mathbot.jobs import Question, ReplyTarget, Sampling, Turn
from mathbot.local import free_port, spawn, stop, wait_http
from mathbot.outcome import Answer
from mathbot.settings import Settings
from workers.consensus import generate_votes
from workers.inference import InferenceServer

Rule = Callable[[Counter[int], int], bool]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers.bench_votes", description=__doc__)
    parser.add_argument("--problems", type=int, default=10, help="AIME 2025 problems per cell (max 30)")
    parser.add_argument("--accuracy", type=float, nargs="+", default=[0.5, 0.6, 0.7, 0.8])
    parser.add_argument("--samples", type=int, nargs="+", default=[5, 8], help="samples per vote (k)")
    parser.add_argument("--tokens-per-second", type=float, default=400.0, help="simulated speed per stream")
    parser.add_argument("--reasoning-tokens", type=int, default=3000, help="simulated reasoning length")
    parser.add_argument("--model-votes", type=int, default=20000, help="votes per cell of the model")
    args = parser.parse_args(argv)
    configured = Settings().data_dir
    data = problem_data.data_dir(configured)
    if data is None or not (data / "aime_2025.jsonl").is_file():
        where = problem_data.looked_in(configured)
        print(f"bench_votes: aime_2025.jsonl not found (looked in {where})", file=sys.stderr)
        return 1
    rows = [json.loads(line) for line in (data / "aime_2025.jsonl").read_text().splitlines() if line.strip()]
    problems = rows[: args.problems]
    speed = f"{args.tokens_per_second:g} tok/s"
    print(f"measured: {len(problems)} AIME 2025 problems per cell, simulator at {speed} per stream")
    print("| accuracy | k | votes | stopped | tokens planned | tokens streamed | saved | same answer |")
    print("|---|---|---|---|---|---|---|---|")
    with ExitStack() as stack:
        url = _simulator(args, data, stack)
        for accuracy in args.accuracy:
            for k in args.samples:
                print(_measured_row(url, problems, accuracy, k), flush=True)
    print()
    print(f"modelled: {args.model_votes:,} votes per cell; share of generated tokens saved")
    print("| accuracy | k | simulator's lengths | same, looser rule | reasoning model's | same, looser |")
    print("|---|---|---|---|---|---|")
    rng = random.Random(7)
    for accuracy in args.accuracy:
        for k in args.samples:
            cells = [
                modelled_saving(accuracy, k, lengths, rule, args.model_votes, rng)
                for lengths in (simulator_length, model_length)
                for rule in (strict, loose)
            ]
            print(f"| {accuracy:.1f} | {k} | " + " | ".join(f"{c:.1%}" for c in cells) + " |")
    return 0


def _simulator(args: argparse.Namespace, data: Path, stack: ExitStack) -> str:
    port = free_port()
    sim = [
        "sim",
        "--port",
        str(port),
        "--tokens-per-second",
        str(args.tokens_per_second),
        "--reasoning-tokens",
        str(args.reasoning_tokens),
        "--capacity",
        "512",
        "--tokens-per-chunk",
        "4",  # four tokens an event: lighter for this process, which reads every stream
        "--data-dir",
        str(data),
        "--log-level",
        "WARNING",
    ]
    stack.callback(stop, spawn(sim, dict(os.environ), quiet=True))
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/health", "the simulator")
    return url


def _votes(url: str, problems: list[dict[str, object]], k: int, early: bool) -> list[Answer]:
    settings = Settings(_env_file=None, tgi_url=url, progress_interval=60, vote_early_stop=early)  # type: ignore[call-arg]

    def vote(index: int) -> Answer:
        question = Question(
            target=ReplyTarget(platform="console", channel="bench"),
            turns=[Turn(role="user", content=str(problems[index]["problem"]))],
            sampling=Sampling(samples=k, seed=1000 * index),
        )
        return generate_votes(question, lambda: InferenceServer(settings), lambda _: None, settings, k)

    with ThreadPoolExecutor(max_workers=len(problems)) as pool:
        return list(pool.map(vote, range(len(problems))))


def _measured_row(url: str, problems: list[dict[str, object]], accuracy: float, k: int) -> str:
    httpx.post(url + "/_sim/faults", json={"accuracy": accuracy}).raise_for_status()
    found: dict[bool, tuple[list[Answer], dict[str, int]]] = {}
    for early in (True, False):
        httpx.delete(url + "/_sim/stats").raise_for_status()
        answers = _votes(url, problems, k, early)
        found[early] = answers, httpx.get(url + "/_sim/stats").json()
    (early_answers, stats), (full_answers, _) = found[True], found[False]
    same = sum(
        a.final is not None and b.final is not None and equivalence.same_answer(a.final, b.final)
        for a, b in zip(early_answers, full_answers, strict=True)
    )
    stopped = sum(a.vote.stopped for a in early_answers if a.vote)
    planned, streamed = stats["tokens_planned"], stats["tokens_streamed"]
    return (
        f"| {accuracy:.1f} | {k} | {len(problems)} | {stopped} of {k * len(problems)} | {planned:,} | "
        f"{streamed:,} | {1 - streamed / planned:.1%} | {same} of {len(problems)} |"
    )


def strict(answers: Counter[int], pending: int) -> bool:
    """mathbot's rule (`Tally.decided`): the winner outnumbers all other answers and the pending."""
    if not answers:
        return pending == 0
    top = answers.most_common(1)[0][1]
    return top > sum(answers.values()) - top + pending


def loose(answers: Counter[int], pending: int) -> bool:
    """The runner-up and every pending sample together cannot reach the winner (no linking)."""
    if not answers:
        return pending == 0
    counts = [c for _, c in answers.most_common(2)]
    return counts[0] > (counts[1] if len(counts) > 1 else 0) + pending


def simulator_length(answer: int, rng: random.Random) -> float:
    """The simulator's: ±15 % around the set length, whatever the answer."""
    return 1 + rng.uniform(-0.15, 0.15)


def model_length(answer: int, rng: random.Random) -> float:
    """Assumed for a reasoning model: log-normal (σ 0.4), a wrong answer 1.5 times as long."""
    return rng.lognormvariate(0, 0.4) * (1.5 if answer else 1.0)


def modelled_saving(
    accuracy: float,
    k: int,
    length: Callable[[int, random.Random], float],
    rule: Rule,
    votes: int,
    rng: random.Random,
) -> float:
    """Share of generated tokens saved by stopping votes under `rule` (see the module docstring)."""
    drawn = spent = 0.0
    for _ in range(votes):
        answers = [0 if rng.random() < accuracy else rng.choice(WRONG) for _ in range(k)]
        finished = sorted((length(answer, rng), answer) for answer in answers)
        lengths = [end for end, _ in finished]
        seen: Counter[int] = Counter()
        cost = sum(lengths)
        for done, (end, answer) in enumerate(finished, 1):
            seen[answer] += 1
            if done < k and rule(seen, k - done):
                cost = sum(lengths[:done]) + (k - done) * end
                break
        drawn += sum(lengths)
        spent += cost
    return 1 - spent / drawn


WRONG: Sequence[int] = [d for d in range(-40, 41) if d]
"""The simulator's wrong answers: the right one plus or minus 1 to 40."""


if __name__ == "__main__":
    sys.exit(main())
