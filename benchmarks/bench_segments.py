"""Benchmark clicksend_async.segments.count_segments against smsutil.split.

Usage::

    .venv/bin/python benchmarks/bench_segments.py            # 1,000,000 messages
    .venv/bin/python benchmarks/bench_segments.py --quick    # 20,000 messages
    .venv/bin/python benchmarks/bench_segments.py --n 250000
    .venv/bin/python benchmarks/bench_segments.py --by-kind --n 100000   # µs per kind of message

Messages are generated deterministically (seeded): 80-300 characters each, about 70 % GSM-7
text (some with accented GSM letters, some with extension characters such as € [ ] { } ~ |)
and 30 % text that needs UCS-2 (Latin with ç / ã / á, emoji, CJK, Arabic, Cyrillic).

Both libraries are timed over the same list, each as ``[segment count of f(text) for text in
messages]``; then, untimed, the two are compared on encoding, units and segment count for every
message, and on the split parts for a sample.  :func:`run` returns the figures as a dict so that
another harness can call it.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
from pathlib import Path
from typing import Any

try:
    from clicksend_async.segments import GSM7, UCS2, count_segments, split_segments
except ModuleNotFoundError:  # run from a checkout without installing the package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from clicksend_async.segments import GSM7, UCS2, count_segments, split_segments

import smsutil  # type: ignore[import-untyped]

SEED = 20240611
FULL_N = 1_000_000
QUICK_N = 20_000
SPLIT_SAMPLE = 50_000

_GSM_WORDS = (
    "Hi",
    "Hello",
    "Dear",
    "your",
    "order",
    "appointment",
    "is",
    "confirmed",
    "for",
    "tomorrow",
    "at",
    "today",
    "delivery",
    "code",
    "reply",
    "STOP",
    "to",
    "opt",
    "out",
    "call",
    "us",
    "on",
    "thanks",
    "from",
    "the",
    "team",
    "please",
    "visit",
    "our",
    "store",
    "open",
    "until",
    "balance",
    "account",
    "payment",
    "due",
    "reminder",
    "booking",
    "ref",
    "ticket",
    "gate",
    "flight",
    "seat",
    "parcel",
    "arrives",
    "between",
    "and",
    "verification",
    "PIN",
    "valid",
    "minutes",
    "offer",
    "ends",
    "Sunday",
    "20%",
    "off",
    "all",
    "items",
)
_GSM_ACCENTED = (
    "café",
    "résumé",
    "Müller",
    "Straße",
    "Ålesund",
    "señor",
    "niño",
    "Zoé",
    "à",
    "è",
    "ù",
    "ì",
    "ò",
    "ÄÖÜ",
    "Øre",
    "Æther",
    "§",
    "£5",
    "¥100",
)
_GSM_PUNCT = (".", ",", "!", "?", ":", "-", "'", '"', "(ok)", "#12", "@home", "&", "*", "%", "/")
_EXT_SNIPPETS = ("€10", "€4.99", "[ref 123]", "{code}", "~", "|", "^", "\\", "[x]", "€")

_UNICODE_SAMPLES = {
    "latin": (
        "Olá João, a sua encomenda está a caminho. Obrigado pela preferência. "
        "Bonjour François, votre reçu est prêt, ça marche. Gracias, ¿qué tal? Cañón, "
        "Ciao Niccolò, l'ordine è pronto. Dziękujemy za zamówienie. Mañana a las 10. "
    ),
    "emoji": "Happy birthday 🎉🎂 see you soon 😀 thanks 🙏 great job 👍 love ❤️ party 🥳 ",
    "cjk": "您好，您的订单已发货，预计明天送达。感谢您的惠顾。こんにちは、ご予約を確認しました。",
    "arabic": "مرحبا، تم تأكيد طلبك وسيصل غدا. شكرا لتسوقك معنا. رمز التحقق الخاص بك هو ",
    "cyrillic": "Здравствуйте! Ваш заказ подтверждён и будет доставлен завтра. Спасибо! ",
}


def _gsm_message(rng: random.Random, length: int) -> str:
    words: list[str] = []
    size = 0
    with_ext = rng.random() < 0.25
    with_accents = rng.random() < 0.3
    while size < length:
        roll = rng.random()
        if roll < 0.75:
            word = rng.choice(_GSM_WORDS)
        elif roll < 0.85:
            word = str(rng.randrange(10**6))
        elif roll < 0.93:
            word = rng.choice(_GSM_PUNCT)
        elif with_accents and roll < 0.97:
            word = rng.choice(_GSM_ACCENTED)
        elif with_ext:
            word = rng.choice(_EXT_SNIPPETS)
        else:
            word = rng.choice(_GSM_WORDS)
        words.append(word)
        size += len(word) + 1
    if rng.random() < 0.2:
        words.insert(rng.randrange(len(words)), "\n")
    return " ".join(words)[:length]


def _unicode_message(rng: random.Random, length: int) -> str:
    kind = rng.choices(("latin", "emoji", "cjk", "arabic", "cyrillic"), (40, 25, 15, 10, 10))[0]
    sample = _UNICODE_SAMPLES[kind]
    if kind in ("latin", "emoji", "cyrillic", "arabic"):
        # Mix the script sample with plain GSM words, as real messages do.
        words: list[str] = []
        size = 0
        pieces = sample.split()
        while size < length:
            word = rng.choice(pieces) if rng.random() < 0.5 else rng.choice(_GSM_WORDS)
            words.append(word)
            size += len(word) + 1
        return " ".join(words)[:length]
    start = rng.randrange(len(sample))
    text = (sample[start:] + sample) * (length // len(sample) + 2)
    return (rng.choice(_GSM_WORDS) + " " + text)[:length]


def generate(n: int, seed: int = SEED) -> list[str]:
    """Generate n typical 80-300 character messages, about 70 % GSM-7 and 30 % UCS-2."""
    rng = random.Random(seed)
    out: list[str] = []
    for _ in range(n):
        length = rng.randint(80, 300)
        if rng.random() < 0.7:
            out.append(_gsm_message(rng, length))
        else:
            out.append(_unicode_message(rng, length))
    return out


def _smsutil_view(text: str) -> tuple[str, int, int]:
    result = smsutil.split(text)
    if result.encoding == "gsm0338":
        return GSM7, result.total_bytes, len(result.parts)
    return UCS2, result.total_bytes // 2, len(result.parts)


def run(n: int) -> dict[str, Any]:
    """Time both libraries over n generated messages and return the figures."""
    messages = generate(n)

    t0 = time.perf_counter()
    ours = [count_segments(text).segments for text in messages]
    ours_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    theirs = [len(smsutil.split(text).parts) for text in messages]
    smsutil_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    for text in messages:
        split_segments(text)
    split_s = time.perf_counter() - t0

    # Untimed: compare encoding, units and segment count on every message.
    disagreements: list[dict[str, Any]] = []
    disagreement_count = 0
    ucs2 = 0
    total_segments = 0
    for text, ours_count, theirs_count in zip(messages, ours, theirs, strict=True):
        info = count_segments(text)
        ucs2 += info.encoding == UCS2
        total_segments += info.segments
        if ours_count != theirs_count or (info.encoding, info.units) != _smsutil_view(text)[:2]:
            disagreement_count += 1
            if len(disagreements) < 3:
                disagreements.append(
                    {
                        "text": text,
                        "ours": (info.encoding, info.units, info.segments),
                        "smsutil": _smsutil_view(text),
                    }
                )

    sample = messages[:SPLIT_SAMPLE]
    split_mismatches = sum(
        split_segments(text) != [part.content for part in smsutil.split(text).parts]
        for text in sample
    )

    return {
        "n": n,
        "python": platform.python_version(),
        "ucs2_share": ucs2 / n,
        "mean_segments": total_segments / n,
        "count_segments_s": ours_s,
        "count_segments_per_s": n / ours_s,
        "split_segments_s": split_s,
        "split_segments_per_s": n / split_s,
        "smsutil_s": smsutil_s,
        "smsutil_per_s": n / smsutil_s,
        "speedup": smsutil_s / ours_s,
        "split_speedup": smsutil_s / split_s,
        "disagreements": disagreement_count,
        "disagreement_examples": disagreements,
        "split_sample": len(sample),
        "split_mismatches": split_mismatches,
    }


def _kind(text: str) -> str:
    info = count_segments(text)
    extra = info.units != info.characters
    if info.encoding == GSM7:
        label = "GSM-7 + extension" if extra else "GSM-7"
    else:
        label = "UCS-2 with emoji" if extra else "UCS-2, BMP only"
    return f"{label}, {'single' if info.segments == 1 else 'multipart'}"


def run_by_kind(n: int, repeat: int = 3) -> dict[str, dict[str, float]]:
    """Time both libraries per kind of message (best of repeat) and return µs per message."""
    by_kind: dict[str, list[str]] = {}
    messages = generate(n)
    for text in messages:
        by_kind.setdefault(_kind(text), []).append(text)
    figures: dict[str, dict[str, float]] = {}
    for kind, texts in sorted(by_kind.items()):
        best: dict[str, float] = {}
        for name, func in (("count_segments", count_segments), ("smsutil", smsutil.split)):
            timings = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                for text in texts:
                    func(text)
                timings.append(time.perf_counter() - t0)
            best[name] = min(timings) / len(texts) * 1e6
        figures[kind] = {
            "share": len(texts) / n,
            "count_segments_us": best["count_segments"],
            "smsutil_us": best["smsutil"],
            "ratio": best["smsutil"] / best["count_segments"],
        }
    return figures


def _print_by_kind(figures: dict[str, dict[str, float]]) -> None:
    print(f"{'kind of message':<30} {'share':>6} {'ours us':>8} {'smsutil us':>11} {'ratio':>6}")
    for kind, row in figures.items():
        print(
            f"{kind:<30} {row['share']:>6.1%} {row['count_segments_us']:>8.2f} "
            f"{row['smsutil_us']:>11.2f} {row['ratio']:>5.1f}x"
        )


def _print_report(figures: dict[str, Any]) -> None:
    print(
        f"{figures['n']:,} messages, {figures['ucs2_share']:.1%} UCS-2, "
        f"{figures['mean_segments']:.2f} segments on average, Python {figures['python']}"
    )
    print()
    print(f"{'function':<42} {'seconds':>9} {'messages/s':>12} {'vs smsutil':>11}")
    rows = (
        ("clicksend_async count_segments", "count_segments_s", "count_segments_per_s", "speedup"),
        ("clicksend_async split_segments", "split_segments_s", "split_segments_per_s", None),
        ("smsutil.split", "smsutil_s", "smsutil_per_s", None),
    )
    for label, seconds, rate, _ in rows:
        ratio = figures["smsutil_s"] / figures[seconds]
        print(f"{label:<42} {figures[seconds]:>9.2f} {figures[rate]:>12,.0f} {ratio:>10.1f}x")
    print()
    print(f"segment count / encoding / units disagreements: {figures['disagreements']:,}")
    for example in figures["disagreement_examples"]:
        print(f"  {example['text']!r}: ours {example['ours']}, smsutil {example['smsutil']}")
    print(
        f"split parts differing on the first {figures['split_sample']:,} messages: "
        f"{figures['split_mismatches']:,}"
    )


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help=f"use {QUICK_N:,} messages")
    parser.add_argument("--n", type=int, default=None, help=f"number of messages ({FULL_N:,})")
    parser.add_argument(
        "--by-kind", action="store_true", help="time each kind of message separately instead"
    )
    args = parser.parse_args(argv)
    n = args.n if args.n is not None else (QUICK_N if args.quick else FULL_N)
    if args.by_kind:
        _print_by_kind(run_by_kind(n))
    else:
        _print_report(run(n))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
