"""The one compiled part: the FAQ index's inner loop in C (bot/faq/_postings.c). Everything else about the
package is in pyproject.toml. The extension is optional: where no C compiler is at hand the install goes on
with a warning, and bot/faq/index.py runs the same loop in Python (a question then takes about a third more
CPU to match)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "bot.faq._postings",
            sources=["bot/faq/_postings.c"],
            # no fused multiply-add: the same sums, to the last bit, as the loop in Python
            extra_compile_args=["-ffp-contract=off"],
            optional=True,
        )
    ]
)
