"""Quality of the FAQ on a question set, per language and per way of writing.

bench/bench_faq.py prints these figures for the development set (tests/data/faq_devset.yaml, tuned on)
and the held-out set (tests/data/faq_heldout.yaml, never tuned on); tests/test_faq_translit.py asserts the
targets on the held-out set. Every question goes through `FaqService.decide`, the decision the chat shows:
- top-1: a confident answer with the expected topic (the emergency answer counts as wrong for an ordinary
  question);
- two topics (`slug` is a list): both topics are offered, as the answer and its suggestions, or as
  suggestions;
- out of scope (`slug` null): accepted when the bot answers anything (a suggestion is not an answer);
- language identified: the detected language is the row's `lang`. One-word questions are counted apart:
  a single word is often the same in two languages ("مترجم" is Arabic and Persian, "Kita" is everywhere),
  so it names no language and the answer follows the reader's own (bot/faq/service.py);
- extra offers: a single-topic question answered right that also offers another topic (the price of
  offering both topics of a two-topic question).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.faq.content import FaqContent
from bot.faq.normalize import tokenize
from bot.faq.service import ANSWER, FaqService
from bot.faq.translit import keys, query_keys
from bot.yamlfile import read_yaml

DATA = Path(__file__).resolve().parent / "data"
DEVSET = DATA / "faq_devset.yaml"
HELDOUT = DATA / "faq_heldout.yaml"
# Written blind on 3 Dec 2026 by a reader who saw no matcher code, example question, keyword or other set,
# after the held-out set had been looked at during tuning: the honest measure now. Never tune on it.
BLIND = DATA / "faq_blind.yaml"
# A second blind set, larger (329 rows), written on 4 Dec 2026 the same way (the reader saw only the topics'
# slugs, titles and English answers). Measured before any change; its misses were then read (no change made
# from them: a rule on words the FAQ does not know would have cost more right answers than it saved).
# Since 4 Dec 2026 (evening) its in-scope questions, and the third set's, are asked questions the matcher
# learns from (locales/faq/examples.yaml): no measure any more.
BLIND2 = DATA / "faq_blind2.yaml"
# A third (329 rows, 4 Dec 2026), asked for everyday details and out-of-scope questions that share a word with
# a topic ("a ticket for a concert"). Its misses were read on the evening of 4 Dec, with blind set 4 written
# first, so that what was changed after reading them is measured on a set nobody had read.
BLIND3 = DATA / "faq_blind3.yaml"
# A fourth (329 rows, 4 Dec 2026 evening), written the same way as the third, in the same proportions, by a
# reader who saw only the topics' slugs, titles and English answers. Its misses were read once the fifth
# was written, and its in-scope rows are asked questions now: no measure any more.
BLIND4 = DATA / "faq_blind4.yaml"
# A fifth (329 rows, written late on 4 Dec 2026 in the same proportions and the same way), measured before
# anything was changed after it: top-1 94.1%, out of scope accepted 12/60 (20.0%). Then the fourth set's
# misses were read and its in-scope rows became asked questions. Its misses were read on 5 Dec 2026, once the
# sixth was written: no measure any more.
BLIND5 = DATA / "faq_blind5.yaml"
# A sixth (337 rows, 5 Dec 2026, the same way, with more Farsi in native script: 36 rows), written before
# the fifth set's misses were read; measured at the start (top-1 93.1%, out of scope accepted 16/60) and
# after what was changed from the fifth set's misses (the same). Its misses were read once the seventh was
# written: no measure any more.
BLIND6 = DATA / "faq_blind6.yaml"
# A seventh (330 rows, 5 Dec 2026, the same way), written before the sixth set's misses were read; measured
# before anything changed after them (top-1 91.5%, out of scope accepted 16/60, language 100%). Its misses
# were read once the eighth was written: no measure any more.
BLIND7 = DATA / "faq_blind7.yaml"
# An eighth (337 rows, 5 Dec 2026, the same way, 61 out of scope), written before the seventh set's misses
# were read; measured before anything changed after them: top-1 94.6% (261/276), out of scope accepted 17/61
# (27.9%), language 99.1%. After the course rule (bot/faq/offtopic.py, from the seventh set's misses): out of
# scope accepted 16/61, top-1 the same. The measure now: never read.
BLIND8 = DATA / "faq_blind8.yaml"
# A ninth (337 rows, 5 Dec 2026, the same way, 61 out of scope), written while the eighth stayed unread, so
# that the eighth's misses may now be read: measured on arrival, top-1 92.8% (256/276), out of scope
# accepted 20/61 (32.8%), language 100%. After a change made without reading it (storage, the matcher's
# transaction), the same; 18/61 with a rule on words the topic does not know, which was dropped (it lost
# in-scope questions that other readers wrote on purpose). Its in-scope Arabic rows were glimpsed once on
# 5 Dec 2026 (no change made from them); with the tenth written, it may be read.
BLIND9 = DATA / "faq_blind9.yaml"
# A tenth (337 rows, 5 Dec 2026, 61 out of scope, the same proportions), written by a reader who saw only the
# topics' slugs, titles and English answers, while the ninth stayed unread; measured on arrival: top-1 93.1%
# (257/276), out of scope accepted 19/61 (31.1%), language 100%. Its misses were read once the eleventh was
# written (an English fire, "smoke coming out of the flat", was missed: bot/faq/emergency.py's list now has it).
BLIND10 = DATA / "faq_blind10.yaml"
# An eleventh (337 rows, 5 Dec 2026 afternoon, the same proportions and the same way), written while the tenth
# stayed unread. On arrival: top-1 92.8% (256/276; fa native 88.6%, as on the tenth), out of scope accepted
# 7/61 (11.5%), language 99.4%. Then the fifth to tenth sets' in-scope questions that the matcher got wrong
# (101 of 1,560) became asked questions (locales/faq/examples.yaml): 93.5% (258/276; fa native 97.1%), out
# of scope 7/61, language 99.4%. All 1,560 of them gave 94.2% but 8/61 out of scope and cost three phrasings
# tests/test_faq_translit.py keeps (the "کار میخواهم کجا بروم" among them). Its misses were read once
# the twelfth was written; the 18 in scope became asked questions.
BLIND11 = DATA / "faq_blind11.yaml"
# A twelfth (337 rows, 5 Dec 2026 afternoon, the same proportions, two thirds of its out-of-scope questions
# sharing a word or a subject with a topic), written while the eleventh stayed unread. On arrival: top-1 93.8%
# (259/276), out of scope accepted 13/61 (21.3%; all four in learner German), language 99.4%. After the
# eleventh set's misses became asked questions (and cricket an off-topic word): 94.2% (260/276), 13/61, 99.4%.
# After a question that repeats an asked one keeps its topic though it names another (bot/faq/matcher.py
# `_named_first`, found trying the demo as a new user): 94.6% (261/276). Its misses were read once the
# thirteenth was written; the 15 in scope became asked questions.
BLIND12 = DATA / "faq_blind12.yaml"
# A thirteenth (337 rows, 5 Dec 2026 afternoon, the same proportions), written while the twelfth stayed
# unread. On arrival: top-1 93.5% (258/276), out of scope accepted 9/61 (14.8%; 3 of the 4 in learner
# German), language 99.4%. After the twelfth set's misses became asked questions: the same. Its misses were
# read once the fourteenth was written; the 18 in scope became asked questions.
BLIND13 = DATA / "faq_blind13.yaml"
# A fourteenth (337 rows, 5 Dec 2026 evening, the same proportions; its writer put near-topic questions out
# of scope on purpose: an English course, a vet, a swimming course, a driving licence), written while the
# thirteenth stayed unread. On arrival (after lingua was left to German and English, bot/faq/detect.py):
# top-1 94.2% (260/276), out of scope accepted 23/61 (37.7%), language 99.4%. After the thirteenth set's misses
# became asked questions: 94.9% (262/276), 23/61, 99.4%. Its misses were read once the fifteenth was
# written: the 14 in scope became asked questions, and three of its out-of-scope questions answered asked for an
# English course (bot/faq/offtopic.py now knows a course in another language: 21/61).
BLIND14 = DATA / "faq_blind14.yaml"
# A fifteenth (337 rows, 5 Dec 2026 evening, the same proportions), written while the fourteenth stayed unread.
# On arrival (with the English-course rule): top-1 93.1% (257/276), out of scope accepted 7/61 (11.5%), language
# 99.7%. After the fourteenth set's misses became asked questions: the same. Its misses were read once the
# sixteenth was written: the 19 in scope became asked questions.
BLIND15 = DATA / "faq_blind15.yaml"
# A sixteenth (337 rows, 5 Dec 2026, the same proportions; its writer was asked for out-of-scope questions
# close to a topic's words), written while the fifteenth stayed unread. On arrival: top-1 91.7% (253/276), out
# of scope accepted 20/61 (32.8%), language 100%. After the fifteenth set's misses became asked questions:
# 92.4% (255/276), 20/61. Its misses were read once the seventeenth was written: the 22 in scope became asked
# questions, its out-of-scope rows `not-ours` questions (examples.yaml: questions no topic answers). With the
# `not-ours` questions of the sets up to the fifteenth only: out of scope 20 -> 13 of 61, top-1 275 -> 274.
BLIND16 = DATA / "faq_blind16.yaml"
# A seventeenth (337 rows, 5 Dec 2026, the same proportions), written while the sixteenth stayed unread. On
# arrival, with a first version of the `not-ours` rule (any closer such question declined): top-1 92.4%
# (255/276), out of scope accepted 6/61 (9.8%), language 100%. After the sixteenth set's misses became asked
# questions and with the rule as it is (bot/faq/index.py `declines`): 93.1% (257/276), 10/61; without any
# `not-ours` question 93.1%, 14/61. With 350 more `not-ours` questions written for the list by a reader who
# saw only the topics: 93.1%, 7/61. Its misses were read once the eighteenth was written: the 19 in scope
# became asked questions, its out-of-scope rows `not-ours` questions.
BLIND17 = DATA / "faq_blind17.yaml"
# An eighteenth (337 rows, 5 Dec 2026, the same proportions), written while the seventeenth stayed unread. On
# arrival: top-1 90.6% (250/276; native ar and de 94.7%, fa and uk 94.3%, Arabizi 76.2%, Finglish 80.0%), out
# of scope accepted 10/61 (16.4%), language 99.7%. A second batch of 360 `not-ours` questions by another
# reader changed nothing here (10/61) and was not kept. After the seventeenth set's misses became asked
# questions and its out-of-scope rows `not-ours` ones: 90.9% (251/276), 10/61. Its misses were read once the
# nineteenth was written: the 24 in scope became asked questions, its out-of-scope rows `not-ours` ones.
BLIND18 = DATA / "faq_blind18.yaml"
# A nineteenth (337 rows, 5 Dec 2026, the same proportions), written while the eighteenth stayed unread. On
# arrival: top-1 93.8% (259/276; native ar 94.7%, de 86.8%, fa 97.1%, uk 94.3%; Arabizi 81.0%, Finglish
# 95.0%), out of scope accepted 6/61 (9.8%), language 99.7%. After the eighteenth set's misses became asked
# questions and `not-ours` ones: the same. Its misses were read once the twentieth was written: the 17 in scope
# became asked questions, its out-of-scope rows `not-ours` ones.
BLIND19 = DATA / "faq_blind19.yaml"
# A twentieth (337 rows, 5 Dec 2026, the same proportions), written while the nineteenth stayed unread. On
# arrival: top-1 93.5% (258/276; native ar 97.4%, de 94.7%, fa 97.1%, uk 94.3%; Arabizi 90.5%, Finglish
# 85.0%, Arabic dialects 81.2%), out of scope accepted 15/61 (24.6%; its writer put near-topic questions out
# of scope: a driving licence, family reunification, citizenship, the food bank), language 99.4%. After the
# nineteenth set's misses became asked questions and `not-ours` ones: the same. Its misses were read once the
# twenty-first was written: the 18 in scope became asked questions, its out-of-scope rows `not-ours` ones.
BLIND20 = DATA / "faq_blind20.yaml"
# A twenty-first (337 rows, 5 Dec 2026, the same proportions; its writer was told to put a question out of
# scope only when no topic's answer helps), written while the twentieth stayed unread. On arrival: top-1
# 95.7% (264/276; native ar 94.7%, de 97.4%, fa 100%, uk 97.1%; Arabizi 85.7%, Finglish 90.0%), out of scope
# accepted 3/61 (4.9%), language 100% (before the nineteenth set's misses were added: 95.3%, 3/61). After
# the twentieth set's misses became asked and `not-ours` questions: the same. Its misses were read once the
# twenty-second was written: the 12 in scope became asked questions, its out-of-scope rows `not-ours` ones.
BLIND21 = DATA / "faq_blind21.yaml"
# A twenty-second (337 rows, 5 Dec 2026, the same proportions; near-topic questions out of scope again: a
# driving licence, naturalisation, a deposit kept by a landlord), written while the twenty-first stayed
# unread. On arrival: top-1 95.3% (263/276; native ar and de 97.4%, fa and uk 97.1%; Arabizi 85.7%,
# Finglish 90.0%, Dari 84.6%), out of scope accepted 12/61 (19.7%), language 99.7%. After the twenty-first
# set's misses became asked and `not-ours` questions: the same. Its misses were read once the twenty-third
# was written: the 13 in scope became asked questions, its out-of-scope rows `not-ours` ones.
BLIND22 = DATA / "faq_blind22.yaml"
# A twenty-third (337 rows, 5 Dec 2026, the same proportions), written while the twenty-second stayed unread.
# On arrival: top-1 95.3% (263/276; native ar 97.4%, de 100%, fa 97.1%, uk 94.3%; Arabizi 81.0%, Finglish
# 95.0%, Arabic dialects 93.8%, Dari 92.3%, learner German 87.5%), out of scope accepted 7/61 (11.5%),
# language 99.7%. After the twenty-second set's misses became asked and `not-ours` questions: 95.7%
# (264/276), 6/61. With the matcher's threshold 0.16 and margin 0.01 (bot/faq/matcher.py): 96.4% (266/276),
# 6/61. Only its totals were read until the twenty-fourth was written; then its misses were read: the 10 in
# scope became asked questions, its out-of-scope rows `not-ours` ones.
BLIND23 = DATA / "faq_blind23.yaml"
# A twenty-fourth (337 rows, 5 Dec 2026, the same proportions; near misses out of scope: naturalisation, an
# English course, a vet, school holidays, a passport from the consulate), written while the twenty-third
# stayed unread. On arrival: top-1 97.1% (268/276; native ar 100%, de 97.4%, fa 97.1%, uk 94.3%; Arabizi
# 100%, Finglish 95.0%, Arabic dialects 93.8%, Dari 100%, learner German 100%), out of scope accepted 13/61
# (21.3%), language 100%. After the twenty-third set's misses became asked and `not-ours` questions: 97.1%,
# 12/61. Only its totals were read until the twenty-fifth was written; then its misses were read: the 8 in
# scope became asked questions, its out-of-scope rows `not-ours` ones.
BLIND24 = DATA / "faq_blind24.yaml"
# A twenty-fifth (337 rows, 5 Dec 2026, the same proportions; near misses out of scope: a mobile contract,
# a driving licence, a bank account, a recipe, citizenship), written while the twenty-fourth stayed unread.
# On arrival: top-1 93.8% (259/276; native ar 97.4%, de 94.7%, fa 94.3%, uk 97.1%; Arabizi 90.5%, Finglish
# 90.0%, Arabic dialects 75.0%, Dari 92.3%, learner German 100%), out of scope accepted 10/61 (16.4%),
# language 100%. After the twenty-fourth set's misses became asked and `not-ours` questions: 93.8%, 10/61.
# Only its totals were read until the twenty-sixth was written; then its misses were read: the 17 in scope
# became asked questions, its out-of-scope rows `not-ours` ones.
BLIND25 = DATA / "faq_blind25.yaml"
# A twenty-sixth (337 rows, 6 Dec 2026, the same proportions; its Arabic dialect rows spread evenly over
# Levantine, Iraqi, Gulf, Egyptian and Sudanese), written while the twenty-fifth stayed unread. On arrival:
# top-1 94.6% (261/276; native ar 100%, de 100%, fa 97.1%, uk 94.3%; Arabizi 85.7%, Finglish 95.0%, Arabic
# dialects 81.2%, Dari 92.3%, learner German 100%), out of scope accepted 14/61 (23.0%), language 100%. After
# the twenty-fifth set's misses became asked and `not-ours` questions: 94.6%, 14/61. Only its totals were read
# until the twenty-seventh was written; then its misses were read: the 15 in scope became asked questions,
# its out-of-scope rows `not-ours` ones.
BLIND26 = DATA / "faq_blind26.yaml"
# A twenty-seventh (337 rows, 6 Dec 2026, the same proportions and the same way), written while the
# twenty-sixth stayed unread. On arrival: top-1 96.7% (267/276; native ar 100%, de 100%, fa 97.1%, uk 97.1%;
# Arabizi 95.2%, Finglish 95.0%, Arabic dialects 87.5%, Dari 92.3%, learner German 93.8%), out of scope
# accepted 11/61 (18.0%), language 99.7%. After the twenty-sixth set's misses became asked and `not-ours`
# questions: 96.7%, 12/61; with the model of the questions no topic answers (bot/faq/offtopic.py): 96.7%,
# 11/61. Its totals were looked at while the out-of-scope rules were chosen (6 Dec 2026), so the twenty-eighth
# was written afterwards; then its misses were read: the 9 in scope became asked questions, its out-of-scope rows
# `not-ours` ones.
BLIND27 = DATA / "faq_blind27.yaml"
# A twenty-eighth (337 rows, 6 Dec 2026, the same proportions and the same way; out-of-scope subjects asked to
# vary: asylum law, taxes, religion, dating, news ...), written with everything of that night in place and
# measured on arrival: top-1 94.6% (261/276; native ar 100%, de 100%, fa 97.1%, uk 94.3%; Arabizi 95.2%,
# Finglish 90.0%, Arabic dialects 81.2%, Dari 92.3%, Ukrainian dialect 6/8, learner German 100%), out of scope
# accepted 11/61 (18.0%; 13/61 without the model of the questions no topic answers), language 99.7%. After the
# twenty-seventh set's misses became asked and `not-ours` questions: 94.6%, 9/61. Its misses were read once the
# twenty-ninth was written: the 15 in scope became asked questions, its out-of-scope rows `not-ours` ones.
BLIND28 = DATA / "faq_blind28.yaml"
# A twenty-ninth (337 rows, 6 Dec 2026, the same proportions and the same way), written while the twenty-eighth
# stayed unread, measured on arrival (with the pharmacy lines of the doctors' answer and the "how are you"
# greetings in place): top-1 95.3% (263/276; native ar 94.7%, de 100%, fa 94.3%, uk 100%; Arabizi 81.0%,
# Finglish 95.0%, Arabic dialects 87.5%, Dari 13/13, Ukrainian dialect 8/8, learner German 93.8%), out of scope
# accepted 8/61 (13.1%), language 99.7%. After the twenty-eighth set's misses became asked and `not-ours`
# questions: the same. Its misses were read once the thirtieth was written: the 13 in scope became asked
# questions, its out-of-scope rows `not-ours` ones (all but one, see examples.yaml).
BLIND29 = DATA / "faq_blind29.yaml"
# A thirtieth (337 rows, 6 Dec 2026, the same proportions and the same way), written while the twenty-ninth
# stayed unread, measured on arrival (with the line for helpers in place, no matcher change that day): top-1
# 93.5% (258/276; native ar 97.4%, de 86.8%, fa 97.1%, uk 94.3%; Arabizi 95.2%, Finglish 90.0%, Arabic
# dialects 81.2%, Dari 12/13, Ukrainian dialect 8/8, learner German 100%), out of scope accepted 13/61 (21.3%),
# language 99.7%. After the twenty-ninth set's misses became asked and `not-ours` questions: the same. Its
# misses were read once the thirty-first was written: the 18 in scope became asked questions, its out-of-scope
# rows `not-ours` ones.
BLIND30 = DATA / "faq_blind30.yaml"
# A thirty-first (337 rows, 6 Dec 2026, the same proportions and the same way), written while the thirtieth
# stayed unread, measured on arrival (no matcher change since the thirtieth): top-1 94.6% (261/276; native ar
# 97.4%, de 97.4%, fa 88.6%, uk 100%; Arabizi 81.0%, Finglish 95.0%, Arabic dialects 100%, Dari 13/13,
# Ukrainian dialect 6/8, learner German 100%), out of scope accepted 7/61 (11.5%), language 99.4%. After the
# thirtieth set's misses became asked and `not-ours` questions: top-1 the same, out of scope 6/61 (9.8%). With
# the doubt of confident answers (bot/faq/doubt.py, 6 Dec 2026): 94.6% (261/276), 3/61. Its misses were read
# once the thirty-second was written: the 15 in scope became asked questions, its out-of-scope rows `not-ours`
# ones, and the doubt was fitted again on sets 2 to 31.
BLIND31 = DATA / "faq_blind31.yaml"
# A thirty-second (337 rows, 6 Dec 2026, afternoon, the same proportions and the same way: a reader who saw
# only the topics' slugs, titles and English answers), written while the thirty-first stayed unread, measured
# on arrival with the doubt in place: top-1 96.0% (265/276; native ar 100%, de 92.1%, fa 100%, uk 97.1%;
# Arabizi 95.2%, Finglish 95.0%, Arabic dialects 87.5%, Dari 12/13, Ukrainian in Latin letters 10/12,
# Ukrainian dialect 8/8, learner German 100%), out of scope accepted 6/61 (9.8%), language 99.7%; without the doubt 96.7% and 15/61. After the
# thirty-first set's misses became asked and `not-ours` questions: the same. Its misses were read once the
# thirty-third was written: the in-scope ones became asked questions, its out-of-scope rows `not-ours` ones,
# and the doubt was fitted again on sets 2 to 32.
BLIND32 = DATA / "faq_blind32.yaml"
# A thirty-third (337 rows, 6 Dec 2026, afternoon, the same proportions and the same way), written while the
# thirty-second stayed unread, measured on arrival with the doubt in place: top-1 96.4% (266/276; native ar
# 94.7%, de 97.4%, fa 97.1%, uk 97.1%; Arabizi 100%, Finglish 95.0%, Arabic dialects 87.5%, Dari 12/13,
# Ukrainian in Latin letters 12/12, Ukrainian dialect 8/8, learner German 100%), out of scope accepted 6/61
# (9.8%), language 99.7%; without the doubt 96.7% and 10/61. After the thirty-second set's misses (11) became
# asked and `not-ours` questions: 97.1% (268/276), 5/61; the same with the doubt fitted on sets 2 to 32. Its
# misses were read once the thirty-fourth was written: the in-scope ones (8) became asked questions, its
# out-of-scope rows `not-ours` ones, and the doubt was fitted again on sets 2 to 33.
BLIND33 = DATA / "faq_blind33.yaml"
# A thirty-fourth (337 rows, 6 Dec 2026, late afternoon, the same way and proportions), written while the
# thirty-third stayed unread, measured on arrival with the doubt in place: top-1 92.8% (256/276; native ar
# 92.1%, de 89.5%, fa 97.1%, uk 91.4%; Arabizi 85.7%, Finglish 80.0%, Arabic dialects 93.8%, Dari 13/13,
# Ukrainian in Latin letters 11/12, Ukrainian dialect 8/8, learner German 100%), out of scope accepted 3/61
# (4.9%), language 100%; without the doubt 93.1% and 7/61. After the thirty-third set's misses became asked
# and `not-ours` questions: the same. Its misses were read once the thirty-fifth was written: the in-scope ones
# became asked questions, its out-of-scope rows `not-ours` ones, and the doubt was fitted again on sets 2 to 34.
BLIND34 = DATA / "faq_blind34.yaml"
# A thirty-fifth (337 rows, 6 Dec 2026, evening, the same way and proportions), written while the thirty-fourth
# stayed unread, measured on arrival with the doubt in place: top-1 90.9% (251/276; native ar 89.5%, de 86.8%,
# fa 97.1%, uk 88.6%; Arabizi 95.2%, Finglish 90.0%, Arabic dialects 93.8%, Dari 12/13, Ukrainian in Latin
# letters 9/12, Ukrainian dialect 8/8, learner German 100%), out of scope accepted 4/61 (6.6%), language
# 99.7%; without the doubt 91.3% and 10/61. After the thirty-fourth set's misses (20) became asked and
# `not-ours` questions: 91.3% (252/276), 4/61. The suite's check that no ordinary question is an emergency
# then found one of its rows ("... moya fiktivka skoro zakinchuyetsya": Latin "skoro", soon, sounds like
# "skoraya", ambulance; locales/emergency.yaml now takes that word alone only as a whole message): 91.7%
# (253/276), 4/61. Its misses were read once the thirty-sixth was written: the in-scope ones (22) became
# asked questions, its out-of-scope rows `not-ours` ones, and the doubt was fitted again on sets 2 to 35.
BLIND35 = DATA / "faq_blind35.yaml"
# A thirty-sixth (337 rows, 6 Dec 2026, evening, the same way and proportions), written while the thirty-fifth
# stayed unread, measured on arrival with the doubt in place: top-1 93.1% (257/276; native ar 92.1%, de 92.1%,
# fa 91.4%, uk 91.4%; Arabizi 21/21, Finglish 90.0%, Arabic dialects 16/16, Dari 84.6%, Ukrainian in Latin
# letters 12/12, Ukrainian dialect 8/8, learner German 93.8%), out of scope accepted 0/61, language 99.7%;
# without the doubt 93.8% and 2/61. After the thirty-fifth set's misses (22) became asked and `not-ours`
# questions: 93.5% (258/276), 0/61. Its misses were read once the thirty-seventh was written: the in-scope ones
# (18) became asked questions, its out-of-scope rows `not-ours` ones, and the doubt was fitted again on sets 2
# to 36.
BLIND36 = DATA / "faq_blind36.yaml"
# A thirty-seventh (337 rows, 6 Dec 2026, evening, the same way and proportions), written while the
# thirty-sixth stayed unread, measured on arrival with the doubt in place: top-1 95.3% (263/276; native ar
# 97.4%, de 97.4%, fa 97.1%, uk 97.1%: every native target met; Arabizi 90.5%, Finglish 80.0%, Arabic dialects
# 93.8%, Dari 12/13, Ukrainian in Latin letters 12/12, Ukrainian dialect 8/8, learner German 16/16), out of
# scope accepted 6/61 (9.8%), language 100%; without the doubt 96.0% and 10/61. After the thirty-sixth set's
# misses (18) became asked and `not-ours` questions: 95.3% (263/276), 5/61. Its misses were read once the
# thirty-eighth was written: the in-scope ones (13) became asked questions, its out-of-scope rows `not-ours`
# ones, and the doubt was fitted again on sets 2 to 37.
BLIND37 = DATA / "faq_blind37.yaml"
# A thirty-eighth (337 rows, 6 Dec 2026, evening, the same way and proportions; the reader was asked, as for
# the thirty-seventh, for out-of-scope questions often in the topics' words: offices, papers, courses),
# written while the thirty-seventh stayed unread, measured on arrival with the doubt in place: top-1 95.7%
# (264/276; native ar 97.4%, de 94.7%, fa 97.1%, uk 100%; Arabizi 21/21, Finglish 95.0%, Arabic dialects
# 87.5%, Dari 13/13, Ukrainian in Latin letters 12/12, Ukrainian dialect 8/8, learner German 87.5%), out of
# scope accepted 8/61 (13.1%), language 100%; without the doubt 96.0% and 15/61. After the thirty-seventh
# set's misses (13) became asked and `not-ours` questions: 96.0% (265/276), 8/61; with the doubt fitted again
# on sets 2 to 37, 7/61. Its misses were read once the thirty-ninth was written: the in-scope ones (11) became
# asked questions, its out-of-scope rows `not-ours` ones, and the doubt was fitted again on sets 2 to 38.
BLIND38 = DATA / "faq_blind38.yaml"
# A thirty-ninth (337 rows, 6 Dec 2026, evening, asked for as the thirty-eighth), written while the thirty-eighth
# stayed unread, measured on arrival with the doubt in place: top-1 95.3% (263/276; native ar 97.4%, de 97.4%,
# fa 94.3%, uk 94.3%; Arabizi 21/21, Finglish 90.0%, Arabic dialects 87.5%, Dari 13/13, Ukrainian in Latin
# letters 12/12, Ukrainian dialect 8/8, learner German 93.8%), out of scope accepted 4/61 (6.6%), language
# 100%; without the doubt 95.3% and 9/61. After the thirty-eighth set's misses (11) became asked and
# `not-ours` questions: the same. Its misses were read once the fortieth was written: the in-scope ones (13)
# became asked questions, its out-of-scope rows `not-ours` ones, and the doubt was fitted again on sets 2 to 39.
BLIND39 = DATA / "faq_blind39.yaml"
# A fortieth (337 rows, 6 Dec 2026, evening, asked for as the thirty-eighth), written while the thirty-ninth
# stayed unread, measured on arrival with the doubt in place: top-1 96.0% (265/276; native ar 97.4%, de 94.7%,
# fa 88.6%, uk 97.1%; Arabizi 95.2%, Finglish 20/20, Arabic dialects 16/16, Dari 13/13, Ukrainian in Latin
# letters 12/12, Ukrainian dialect 7/8, learner German 16/16), out of scope accepted 7/61 (11.5%), language
# 99.4%; without the doubt 96.0% and 12/61. After the thirty-ninth set's misses (13) became asked and
# `not-ours` questions: 96.0% (265/276), 6/61. Its misses were read once the forty-first was written: the
# in-scope ones (11) became asked questions, its out-of-scope rows `not-ours` ones (all but one that took an
# in-scope question, locales/faq/examples.yaml), and the doubt was fitted again on sets 2 to 40.
BLIND40 = DATA / "faq_blind40.yaml"
# A forty-first (337 rows, 6 Dec 2026, evening, asked for as the thirty-eighth), written while the fortieth
# stayed unread, measured on arrival with the doubt in place: top-1 96.0% (265/276; native ar 94.7%, de 92.1%,
# fa 94.3%, uk 97.1%; Arabizi 90.5%, Finglish 20/20, Arabic dialects 16/16, Dari 13/13, Ukrainian in Latin
# letters 12/12, Ukrainian dialect 8/8, learner German 16/16), out of scope accepted 4/61 (6.6%), language
# 100%; without the doubt 96.0% and 6/61. After the fortieth set's misses (11) became asked and `not-ours`
# questions: the same. Its misses were read once the forty-second was written: the in-scope ones (11) became
# asked questions, its out-of-scope rows `not-ours` ones, and the doubt was fitted again on sets 2 to 41.
BLIND41 = DATA / "faq_blind41.yaml"
# A forty-second (337 rows, 6 Dec 2026, evening, asked for as the thirty-eighth), written while the forty-first
# stayed unread, measured on arrival with the doubt in place: top-1 96.0% (265/276; native ar 100%, de 100%,
# fa 100%, uk 94.3%; Arabizi 90.5%, Finglish 17/20, Arabic dialects 15/16, Dari 13/13, Ukrainian in Latin
# letters 12/12, Ukrainian dialect 7/8, learner German 15/16), out of scope accepted 6/61 (9.8%), language
# 99.7%; without the doubt 96.4% and 8/61. After the forty-first set's misses (11) became asked and `not-ours`
# questions: the same. Its misses were read once the forty-third was written: the in-scope ones (11) became
# asked questions, its out-of-scope rows `not-ours` ones, and the doubt was fitted again on sets 2 to 42.
BLIND42 = DATA / "faq_blind42.yaml"
# A forty-third (337 rows, 6 Dec 2026, evening, asked for as the thirty-eighth), written while the forty-second
# stayed unread, measured on arrival with the doubt in place: top-1 94.9% (262/276; native ar 100%, de 100%,
# fa 100%, uk 91.4%; Arabizi 90.5%, Finglish 17/20, Arabic dialects 14/16, Dari 13/13, Ukrainian in Latin
# letters 12/12, Ukrainian dialect 6/8, learner German 15/16), out of scope accepted 3/61 (4.9%), language
# 99.4%; without the doubt 95.7% and 6/61. After the forty-second set's misses (11) became asked and `not-ours`
# questions: the same. Its misses were read once the forty-fourth was written: the in-scope ones (14) became
# asked questions, its out-of-scope rows `not-ours` ones, and the doubt was fitted again on sets 2 to 43.
BLIND43 = DATA / "faq_blind43.yaml"
# A forty-fourth (337 rows, 6 Dec 2026, evening, asked for as the thirty-eighth), written while the forty-third
# stayed unread, measured on arrival with the doubt in place: top-1 96.4% (266/276; native ar 97.4%, de 100%,
# fa 97.1%, uk 94.3%; Arabizi 21/21, Finglish 18/20, Arabic dialects 15/16, Dari 13/13, Ukrainian in Latin
# letters 12/12, Ukrainian dialect 8/8, learner German 15/16), out of scope accepted 2/61 (3.3%), language
# 98.8%; without the doubt 96.4% and 6/61. After the forty-third set's misses (14) became asked and `not-ours`
# questions: the same. Its misses were read once the forty-fifth was written: the in-scope ones (10) became
# asked questions, its out-of-scope rows `not-ours` ones (all but one, locales/faq/examples.yaml), and the
# doubt was fitted again on sets 2 to 44.
BLIND44 = DATA / "faq_blind44.yaml"
# A forty-fifth (337 rows, 6 Dec 2026, evening, asked for as the thirty-eighth), written while the forty-fourth
# stayed unread, measured on arrival with the doubt in place: top-1 97.5% (269/276; native ar 97.4%, de 97.4%,
# fa 97.1%, uk 94.3%; Arabizi 21/21, Finglish 20/20, Arabic dialects 15/16, Dari 13/13, Ukrainian in Latin
# letters 12/12, Ukrainian dialect 8/8, learner German 16/16), out of scope accepted 2/61 (3.3%), language
# 100%; without the doubt 97.5% and 6/61. After the forty-fourth set's misses (10) became asked and `not-ours`
# questions: the same. One of its Ukrainian rows was seen once (a fever in the evening, in a comparison of all
# sets' decisions while trying a keyword for the doctor topic, which was then not kept). Its misses were read
# once the forty-sixth was written: the in-scope ones (7) became asked questions, its out-of-scope rows
# `not-ours` ones (all but one, locales/faq/examples.yaml), and the doubt was fitted again on sets 2 to 45.
BLIND45 = DATA / "faq_blind45.yaml"
# A forty-sixth (337 rows, 6 Dec 2026, evening, asked for as the thirty-eighth), written while the forty-fifth
# stayed unread, measured on arrival with the doubt in place: top-1 97.5% (269/276; native ar 100%, de 94.7%,
# fa 97.1%, uk 97.1%; Arabizi 19/21, Finglish 20/20, Arabic dialects 16/16, Dari 13/13, Ukrainian in Latin
# letters 12/12, Ukrainian dialect 8/8, learner German 16/16), out of scope accepted 2/61 (3.3%), language
# 99.7%; without the doubt 97.8% and 5/61. After the forty-fifth set's misses (7) became asked and `not-ours`
# questions: the same. Left unread and unfiled while the FAQ's growth from filed questions had brought python -m
# bot run to 149.9 MiB of the 150 allowed on PostgreSQL (issue 18; README, Load); filed with the forty-seventh
# once a forty-eighth existed and the caches of the content's words were emptied at start (2.2 MiB).
BLIND46 = DATA / "faq_blind46.yaml"
# A forty-seventh (337 rows, 6 Dec 2026, evening, asked for as the thirty-eighth), written while the forty-sixth
# stayed unread, measured on arrival with the doubt in place: top-1 95.3% (263/276; native ar 94.7%, de 100%,
# fa 94.3%, uk 94.3%; Arabizi 19/21, Finglish 18/20, Arabic dialects 16/16, Dari 13/13, Ukrainian in Latin
# letters 12/12, Ukrainian dialect 6/8, learner German 16/16), out of scope accepted 2/61 (3.3%), language
# 99.7%; without the doubt 95.7% and 4/61. Filed with the forty-sixth once a forty-eighth existed.
BLIND47 = DATA / "faq_blind47.yaml"
# A forty-eighth (337 rows, 6 Dec 2026, late evening, asked for as the thirty-eighth), written while the
# forty-sixth and forty-seventh stayed unread, measured on arrival with the doubt in place: top-1 96.0% (265/276;
# native ar 100%, de 100%, fa 94.3%, uk 97.1%; Arabizi 20/21, Finglish 19/20, Arabic dialects 13/16, Dari 13/13,
# Ukrainian in Latin letters 11/12, Ukrainian dialect 7/8, learner German 16/16), out of scope accepted 1/61
# (1.6%), language 100%; without the doubt 97.5% and 4/61. After the forty-sixth and forty-seventh were filed
# (their misses and out-of-scope rows, once memory was freed: docs/operations.md): the same.
BLIND48 = DATA / "faq_blind48.yaml"
# A forty-ninth (337 rows, 6 Dec 2026, late evening, asked for as the thirty-eighth), written while the
# forty-eighth stayed unread, measured on arrival with the doubt in place: top-1 94.6% (261/276; native ar 94.7%,
# de 97.4%, fa 91.4%, uk 97.1%; Arabizi 20/21, Finglish 19/20, Arabic dialects 14/16, Dari 11/13, Ukrainian in
# Latin letters 12/12, Ukrainian dialect 7/8, learner German 16/16), out of scope accepted 3/61 (4.9%), language
# 100%; without the doubt 94.9% and 5/61. After the forty-eighth was filed: the same.
BLIND49 = DATA / "faq_blind49.yaml"
# A fiftieth (337 rows, 6 Dec 2026, night, asked for as the thirty-eighth), written while the forty-ninth stayed
# unread, measured on arrival with the doubt in place: top-1 95.7% (264/276; native ar 92.1%, de 94.7%, fa 91.4%,
# uk 100%; Arabizi 21/21, Finglish 18/20, Arabic dialects 16/16, Dari 13/13, Ukrainian in Latin letters 12/12,
# Ukrainian dialect 8/8, learner German 16/16), out of scope accepted 2/61 (3.3%), language 99.7%; without the
# doubt 96.0% (native ar 94.7%) and 7/61. After the forty-ninth was filed: 96.0% and 1/61. Filed once the
# fifty-first was written.
BLIND50 = DATA / "faq_blind50.yaml"
# A fifty-first (337 rows, 7 Dec 2026, asked for as the thirty-eighth), written while the fiftieth stayed unread,
# measured on arrival with the doubt in place: top-1 96.4% (266/276; native ar 97.4%, de 97.4%, fa 97.1%, uk
# 97.1%; Arabizi 19/21, Finglish 19/20, Arabic dialects 15/16, Dari 13/13, Ukrainian in Latin letters 12/12,
# Ukrainian dialect 8/8, learner German 15/16), out of scope accepted 7/61 (11.5%), language 99.7%; without the
# doubt 96.7% and 13/61. After the fiftieth was filed and the doctor's answer said where to buy medicines: the
# same. Filed once the fifty-second was written.
BLIND51 = DATA / "faq_blind51.yaml"
# A fifty-second (337 rows, 7 Dec 2026, asked for as the thirty-eighth), written while the fifty-first stayed
# unread, measured on arrival with the doubt in place: top-1 96.4% (266/276; native ar 97.4%, de 100%, fa 100%, uk
# 97.1%; Arabizi 21/21, Finglish 20/20, Arabic dialects 13/16, Dari 12/13, Ukrainian in Latin letters 11/12,
# Ukrainian dialect 8/8, learner German 15/16), out of scope accepted 5/61 (8.2%), language 99.4%; without the
# doubt 97.5% (Arabic dialects 14/16, Dari 13/13) and 9/61. After the fifty-first was filed and the doubt
# refitted: the same (7/61 without the doubt). Filed once the fifty-third was written.
BLIND52 = DATA / "faq_blind52.yaml"
# A fifty-third (337 rows, 7 Dec 2026, asked for as the thirty-eighth), written while the fifty-second stayed
# unread, measured on arrival with the doubt in place: top-1 96.4% (266/276; native ar 100%, de 94.7%, fa 97.1%, uk
# 100%; Arabizi 20/21, Finglish 17/20, Arabic dialects 16/16, Dari 13/13, Ukrainian in Latin letters 12/12,
# Ukrainian dialect 7/8, learner German 15/16), out of scope accepted 3/61 (4.9%), language 99.7%; without the
# doubt 96.4% and 8/61. After the fifty-second was filed and the doubt refitted: the same top-1, 2/61. Filed once
# the fifty-fourth was written.
BLIND53 = DATA / "faq_blind53.yaml"
# A fifty-fourth (337 rows, 7 Dec 2026, asked for as the thirty-eighth), written while the fifty-third stayed
# unread, measured on arrival with the doubt in place: top-1 96.7% (267/276; native ar 100%, de 100%, fa 97.1%, uk
# 97.1%; Arabizi 20/21, Finglish 19/20, Arabic dialects 15/16, Dari 13/13, Ukrainian in Latin letters 11/12,
# Ukrainian dialect 8/8, learner German 15/16), out of scope accepted 3/61 (4.9%), language 99.4%: every target
# met; without the doubt 97.1% and 5/61. After the fifty-third was filed and the doubt refitted: 2/61.
BLIND54 = DATA / "faq_blind54.yaml"
# A fifty-fifth (337 rows, 7 Dec 2026, asked for as the thirty-eighth), written while the fifty-fourth stayed
# unread, measured on arrival with the doubt in place: top-1 94.9% (262/276; native ar 92.1%, de 92.1%, fa 97.1%, uk
# 97.1%; Arabizi 21/21, Finglish 17/20, Arabic dialects 13/16, Dari 13/13, Ukrainian in Latin letters 12/12,
# Ukrainian dialect 8/8, learner German 16/16), out of scope accepted 3/61 (4.9%), language 99.4%; without the
# doubt 95.3% and 5/61. After the fifty-fourth was filed and the doubt refitted: the same. Filed once the
# fifty-sixth was written.
BLIND55 = DATA / "faq_blind55.yaml"
# A fifty-sixth (337 rows, 7 Dec 2026, asked for as the thirty-eighth), written while the fifty-fifth stayed
# unread, measured on arrival with the doubt in place: top-1 96.7% (267/276; native ar 97.4%, de 94.7%, fa 100%, uk
# 94.3%; Arabizi 20/21, Finglish 19/20, Arabic dialects 15/16, Dari 13/13, Ukrainian in Latin letters 12/12,
# Ukrainian dialect 8/8, learner German 16/16), out of scope accepted 3/61 (4.9%), language 97.9% (330/337: under
# its 99%, most of the misses Ukrainian in Latin letters or typed on a Russian layout); without the doubt 97.5%
# (German native 38/38) and 6/61. After the fifty-fifth was filed and the doubt refitted: 97.1% and 2/61. Its
# language misses, read once the fifty-seventh was written: four out-of-scope questions in words Ukrainian and
# Russian share (recipes, the weather), two surzhyk questions in Russian words, and one Russian recipe taken for
# Ukrainian. Filed once the fifty-seventh was written.
BLIND56 = DATA / "faq_blind56.yaml"
# A fifty-seventh (337 rows, 7 Dec 2026, asked for as the thirty-eighth), written while the fifty-sixth stayed
# unread, measured on arrival with the doubt in place: top-1 97.5% (269/276; native ar 100%, de 97.4%, fa 97.1%,
# uk 100%; Arabizi 20/21, Finglish 18/20, Arabic dialects 16/16, Dari 13/13, Ukrainian in Latin letters 12/12,
# Ukrainian dialect 7/8, learner German 16/16), out of scope accepted 3/61 (4.9%), language 100%: every target
# met; without the doubt 97.8% and 5/61. After the fifty-sixth was filed and the doubt refitted: 98.2%, 3/61. Filed
# once the fifty-eighth was written.
BLIND57 = DATA / "faq_blind57.yaml"
# A fifty-eighth (337 rows, 7 Dec 2026, asked for as the thirty-eighth), written while the fifty-seventh stayed
# unread, measured on arrival with the doubt in place: top-1 98.2% (271/276; native ar 97.4%, de 97.4%, fa 100%,
# uk 100%; Arabizi 21/21, Finglish 20/20, Arabic dialects 16/16, Dari 11/13 (84.6%: under its 85%), Ukrainian in
# Latin letters 12/12, Ukrainian dialect 8/8, learner German 15/16), out of scope accepted 0/61, language 99.4%;
# without the doubt 98.2% and 6/61. After the fifty-seventh was filed, with the rule for a flat or a trip abroad
# and the doubt refitted: the same. Filed once the fifty-ninth was written.
BLIND58 = DATA / "faq_blind58.yaml"
# The fifty-ninth, sixtieth and sixty-first (337 rows each, 7 Dec 2026, asked for as the thirty-eighth), written at
# the same time by three readers while the fifty-eighth stayed unread, measured on arrival with the rule for a
# flat or a trip abroad and the doubt fitted on sets 2 to 57 in place:
# - the fifty-ninth: top-1 99.3% (274/276; native ar, de, fa and uk 100%; Arabizi 21/21, Finglish 18/20, Arabic
#   dialects 16/16, Dari 13/13, Ukrainian in Latin letters 12/12, Ukrainian dialect 8/8, learner German 16/16),
#   out of scope accepted 3/61 (4.9%), language 99.7%: every target met; without the doubt 99.3% and 7/61;
# - the sixtieth: top-1 97.5% (269/276; native ar 97.4%, de 94.7% (36/38: under its 95%), fa 100%, uk 97.1%;
#   Arabizi 20/21, Finglish 19/20, the other ways all right), out of scope accepted 1/61, language 99.7%; without
#   the doubt 97.8% and 2/61;
# - the sixty-first: top-1 98.9% (273/276; native ar 97.4%, de 100%, fa 100%, uk 97.1%; Finglish 19/20, the other
#   ways all right), out of scope accepted 2/61 (3.3%), language 99.1%: every target met; without the doubt 98.9%
#   and 11/61.
# The measure now, with the fifty-eighth filed: not read.
BLIND59 = DATA / "faq_blind59.yaml"
BLIND60 = DATA / "faq_blind60.yaml"
BLIND61 = DATA / "faq_blind61.yaml"
# The sixty-second, sixty-third and sixty-fourth (337 rows each, 7 Dec 2026, asked for as the thirty-eighth),
# written at the same time by three more readers, measured on arrival with the fifty-eighth filed, the doubt fitted
# on sets 2 to 58 and "cheaper" in the Ukrainian and Russian mobility answers:
# - the sixty-second: top-1 96.7% (267/276; native ar 97.4%, de 97.4%, fa 94.3% (33/35: under its 95%), uk 100%;
#   Arabizi 20/21, Finglish 19/20, Arabic dialects 15/16, Dari 12/13, Ukrainian dialect 7/8), out of scope
#   accepted 0/61, language 99.4%; without the doubt 96.7% and 6/61;
# - the sixty-third: top-1 97.8% (270/276; native ar 97.4%, de 94.7% (36/38: under its 95%), fa 100%, uk 97.1%;
#   Arabizi 20/21, Ukrainian dialect 7/8), out of scope accepted 3/61 (4.9%), language 99.4%; without the doubt
#   98.2% and 5/61;
# - the sixty-fourth: top-1 97.5% (269/276; native ar 97.4%, de, fa and uk 100%; Arabizi 18/21, Arabic dialects
#   15/16, Dari 12/13, learner German 15/16), out of scope accepted 4/61 (6.6%: over its 5%), language 99.7%;
#   without the doubt 97.5% and 7/61.
# The fifty-ninth to sixty-fourth together, with the matcher of that time: every target met (top-1 97.9%, out of
# scope 12 of 366, language 99.5%). Not read.
BLIND62 = DATA / "faq_blind62.yaml"
BLIND63 = DATA / "faq_blind63.yaml"
BLIND64 = DATA / "faq_blind64.yaml"
# The blind sets nobody has read yet, measured together by bench/bench_faq.py: a single set's cells are small (13
# Dari questions: one miss is 92%, two are under the 85% target), the sets together are the measure.
NEVER_READ: tuple[Path, ...] = (BLIND59, BLIND60, BLIND61, BLIND62, BLIND63, BLIND64)
# Every blind set, in the order they were written (faq_blind.yaml is the first): the lists the tests go through.
BLIND_SETS: tuple[Path, ...] = tuple(
    sorted(DATA.glob("faq_blind*.yaml"), key=lambda path: int(path.stem.removeprefix("faq_blind") or 1))
)
# In-scope questions that name an everyday thing in passing (a car, a pet, a phone, a trip, money: the subjects
# of many questions no topic answers), 160 rows written on 6 Dec 2026 by a reader who saw only the topics'
# slugs, titles and English answers, to see what the model of those questions costs (bot/faq/offtopic.py).
IN_PASSING = DATA / "faq_in_passing.yaml"
# In-scope questions that name a place abroad in passing ("Ми жили у Львові, а тут шукаємо квартиру"), 90 rows
# written on 7 Dec 2026 by a second reader who saw only the topics, to see what the rule for a flat or a trip
# abroad costs (bot/faq/offtopic.py `ABROAD_TOPICS`).
ABROAD_IN_PASSING = DATA / "faq_abroad_in_passing.yaml"
EMERGENCY_SET = DATA / "emergency_set.yaml"
SPELLINGS = DATA / "translit_pairs.yaml"  # Latin spellings people type, per native word (ar, fa)

WAYS = ("native", "translit", "dialect", "learner", "russian-keyboard", "one-word", "two-topics")
# The acceptance targets: top-1 per language and way (main languages), out of scope, language.
MAIN_LANGUAGES = ("de", "ar", "fa", "uk")
TOP1_TARGETS: dict[str, float] = {
    "native": 0.95,
    "translit": 0.85,
    "dialect": 0.85,
    "learner": 0.85,
    "russian-keyboard": 0.85,
}
OUT_OF_SCOPE_MAX = 0.05
LANGUAGE_MIN = 0.99
NO_LANGUAGE = frozenset({"one-word"})  # ways whose rows name no language (see above)


@dataclass
class Cell:
    """Counts for one language and way of writing."""

    questions: int = 0  # in scope
    top1: int = 0
    out_of_scope: int = 0
    accepted: int = 0  # out of scope, yet answered
    lang_ok: int = 0
    rows: int = 0  # all rows (language identification)
    answered_in_lang: int = 0  # answered right (single topic) in the row's language
    extra: int = 0  # answered right (single topic), and another topic offered too

    def add(self, other: Cell) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.questions if self.questions else 1.0

    @property
    def accepted_rate(self) -> float:
        return self.accepted / self.out_of_scope if self.out_of_scope else 0.0

    @property
    def lang_rate(self) -> float:
        return self.lang_ok / self.rows if self.rows else 1.0


def load(path: Path) -> list[dict[str, Any]]:
    return list(read_yaml(path)["questions"])


def evaluate(service: FaqService, rows: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], Cell]:
    cells: dict[tuple[str, str], Cell] = {}
    for row in rows:
        lang, way, slug, text = str(row["lang"]), str(row["way"]), row["slug"], str(row["text"])
        cell = cells.setdefault((lang, way), Cell())
        reply = service.decide(text, user_lang=None)
        cell.rows += 1
        cell.lang_ok += reply.question_lang == lang
        answered = reply.entry.slug if reply.kind == ANSWER and reply.entry is not None else None
        if slug is None:
            cell.out_of_scope += 1
            cell.accepted += answered is not None
            continue
        cell.questions += 1
        if isinstance(slug, list):
            offered = {answered, *(e.slug for e in reply.suggestions)}
            cell.top1 += all(s in offered for s in slug)
        else:
            cell.top1 += answered == slug
            cell.answered_in_lang += answered == slug and reply.lang == lang
            cell.extra += answered == slug and bool(reply.suggestions)
    return cells


def totals(cells: Mapping[tuple[str, str], Cell], *, by: int) -> dict[str, Cell]:
    """Cells summed per language (by=0) or per way (by=1)."""
    out: dict[str, Cell] = {}
    for key, cell in cells.items():
        out.setdefault(key[by], Cell()).add(cell)
    return out


def missed_targets(cells: Mapping[tuple[str, str], Cell]) -> list[str]:
    """The acceptance targets this set misses, one line each (empty: all met)."""
    missed: list[str] = []
    for (lang, way), cell in sorted(cells.items()):
        target = TOP1_TARGETS.get(way)
        if target is not None and lang in MAIN_LANGUAGES and cell.questions and cell.top1_rate < target:
            missed.append(f"{lang} {way}: top-1 {cell.top1_rate:.1%} < {target:.0%}")
    everything, named = Cell(), Cell()
    for (_, way), cell in cells.items():
        everything.add(cell)
        if way not in NO_LANGUAGE:
            named.add(cell)
    if everything.accepted_rate > OUT_OF_SCOPE_MAX:
        missed.append(f"out of scope accepted {everything.accepted_rate:.1%} > {OUT_OF_SCOPE_MAX:.0%}")
    if named.lang_rate < LANGUAGE_MIN:
        missed.append(f"language identified {named.lang_rate:.1%} < {LANGUAGE_MIN:.0%}")
    return missed


def report(title: str, cells: Mapping[tuple[str, str], Cell]) -> list[str]:
    """The printed table: one line per language and way, then per way and in all."""
    lines = [title, f"  {'lang':4} {'way':17} {'top-1':>16}  {'out of scope accepted':>22}  {'language':>16}"]

    def line(name: str, way: str, c: Cell) -> str:
        top = f"{c.top1_rate:6.1%} ({c.top1}/{c.questions})" if c.questions else "—"
        oos = f"{c.accepted_rate:5.1%} ({c.accepted}/{c.out_of_scope})" if c.out_of_scope else "—"
        return f"  {name:4} {way:17} {top:>16}  {oos:>22}  {c.lang_rate:6.1%} ({c.lang_ok}/{c.rows})"

    order = {w: i for i, w in enumerate(WAYS)}
    for (lang, way), cell in sorted(cells.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 99))):
        lines.append(line(lang, way, cell))
    for way, cell in sorted(totals(cells, by=1).items(), key=lambda kv: order.get(kv[0], 99)):
        lines.append(line("all", way, cell))
    everything, named = Cell(), Cell()
    for (_, way), cell in cells.items():
        everything.add(cell)
        if way not in NO_LANGUAGE:
            named.add(cell)
    lines.append(line("all", "all", everything))
    lines.append(
        f"  language identified (rows that name a language, one-word apart): {named.lang_rate:.1%}"
        f" ({named.lang_ok}/{named.rows});   answered in the question's language:"
        f" {everything.answered_in_lang}/{everything.top1 - totals(cells, by=1).get('two-topics', Cell()).top1}"
        f";   single-topic answers offering another topic too: {everything.extra}"
    )
    missed = missed_targets(cells)
    lines.append("  targets: " + ("all met" if not missed else "MISSED: " + "; ".join(missed)))
    return lines


# --- the spelling rules (bot/faq/translit.py) ----------------------------------------------------------------


def spelling_agreement(lang: str) -> tuple[int, int]:
    """(Latin spellings whose keys include their native word's key, all spellings) of tests/data/
    translit_pairs.yaml for `lang`."""
    pairs = read_yaml(SPELLINGS)[lang]
    rows = [(native, latin) for native, spellings in pairs.items() for latin in spellings]
    agree = sum(keys(tokenize(native), lang)[0] in query_keys([latin], lang) for native, latin in rows)
    return agree, len(rows)


def key_sharing(content: FaqContent, lang: str) -> float:
    """How many other words of the FAQ's examples, keywords and titles share a word's key, on average:
    what a looser rule costs (کار "work" and کرایه "rent" were one key)."""
    words = {
        t
        for e in content.entries[lang].values()
        for text in (e.title, *e.questions, *e.keywords)
        for t in tokenize(text)
    }
    count: dict[str, int] = {}
    for w in words:
        for k in keys([w], lang):
            count[k] = count.get(k, 0) + 1
    return sum(count[k] - 1 for w in words for k in keys([w], lang)) / max(1, len(words))


def few_topics(content: FaqContent, keep: Iterable[str] = ("kita", "school", "contact")) -> FaqContent:
    """Only some topics (three by default) in every language: a matcher built in a fraction of a second
    (the real FAQ's takes one and a half), for tests of what does not depend on the FAQ's size."""
    keep = set(keep)
    return FaqContent(
        [t for t in content.topics if t.slug in keep],
        {lang: {s: e for s, e in by_slug.items() if s in keep} for lang, by_slug in content.entries.items()},
    )
