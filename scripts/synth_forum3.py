"""Forum family 3: a check file of forum comments that no toxicity model or threshold here trained or was tuned on.

Written for issue 15 round 6 BEFORE any model of that round was trained, with its own seed, people, topics,
identity groups and phrasing (none shared with `scripts/synth_toxicity.py`'s forum families 1 and 2 or with
`scripts/synth_forum_train.py`, which was written after it), and scored only on weights already fixed
(`python scripts/make_toxicity_checks.py` writes it as `forum3.jsonl`; docs/cards/toxicity.md says when). Nothing
imports it for training.

Comments are one to four sentences: a template, sometimes with a neutral sentence before or after it, in the
register of a news site's comment section (lower case, shouting, dropped apostrophes, typos, "lol").
Toxic (1): second-person insults, insults of public figures, obscenity, "shut up", threats, identity attacks,
dehumanising comparisons, sarcastic demeaning remarks. Not toxic (0), the hard cases: heated but civil
disagreement, criticism of policies and people's decisions, quoting a slur or an insult to condemn it, profanity
that abuses no one ("this damn bill"), neutral and positive mentions of identity groups.

    python scripts/synth_forum3.py     # counts and a few rows
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

SEED = 3303
PEOPLE = [
    "the alderman", "the superintendent", "the DA", "the union boss", "the developer", "the state rep",
    "the sheriff", "the board president", "the news anchor", "the health commissioner", "the port director",
    "the treasurer",
]  # fmt: skip
TOPICS = [
    "the toll road", "the plastic bag ban", "the pension reform", "the snow removal budget",
    "the light rail extension", "the short-term rental rules", "the sales tax referendum",
    "the new shelter on Fifth Street", "the speed cameras", "the teachers' contract", "the dog park",
    "the landfill expansion", "the stadium bonds", "the curfew ordinance",
]  # fmt: skip
GROUPS = [
    "Venezuelans", "Ukrainians", "Nigerians", "Buddhists", "atheists", "Puerto Ricans", "Orthodox Jews",
    "Somali immigrants", "transgender students", "Native Americans", "Koreans", "evangelicals", "Hmong families",
    "Pakistani shopkeepers",
]  # fmt: skip

TOXIC = [
    "{P} couldn't run a lemonade stand, let alone {topic}. Absolute halfwit.",
    "Are you really this dense or do you practice? {topic} is not that complicated.",
    "Shut the fuck up about {topic} already, nobody cares.",
    "What a bunch of morons. {topic} was doomed from day one and you clowns cheered it on.",
    "{P} is a dirtbag. Period.",
    "Imagine being so stupid you think {topic} will lower your taxes. lol",
    "You people are the reason this city is a dump. Crawl back into whatever hole you came from.",
    "{G} are cockroaches, they multiply and ruin everything, and {topic} is proof.",
    "Honestly {G} should all be deported, starting with the ones pushing {topic}.",
    "Somebody should slash {P}'s tires, maybe then they'd listen about {topic}.",
    "If I see {P} at the town hall I'm going to knock their teeth out.",
    "This article is pure garbage written by a hack with the brains of a goldfish.",
    "Your a complete dumbass if you believe a word of this.",
    "oh look, another snowflake crying about {topic}. boo hoo, get a life loser",
    "{P} is an embarrassment. A drooling chimp would do a better job on {topic}.",
    "Go to hell, and take your stupid {topic} with you.",
    "STOP POSTING. Every comment you make about {topic} lowers the IQ of this whole thread, moron.",
    "Fuck {P} and fuck {topic}.",
    "Oh brilliant, another genius take from the village idiot. Did your mommy help you write that?",
    "{G} are too dumb to understand {topic} anyway, so why ask them.",
    "Nobody wants you here. Take your {G} buddies and get out.",
    "What a disgusting pig {P} is. Hope they lose everything.",
    "Keep running your mouth about {topic} and you'll end up eating through a straw.",
    "Bunch of inbred hillbillies voted for {topic}, what did you expect.",
    "You sound like a whiny little bitch. Grow up.",
    "{P} is a two-faced rat and a coward to boot.",
    "The only thing dumber than {topic} is the people who voted for it. Idiots, all of you.",
    "Trolls like you should be banned and then beaten with a stick.",
    "{G} bring disease and crime; {topic} just rolls out the red carpet for them.",
    "Lmao what a joke. {P} is a clown and you're a bigger clown for defending them.",
]
CIVIL = [
    "I think {topic} is a mistake, and here's why: the numbers have been flat for five years.",
    "This damn {topic} is going to cost us a fortune. Call your councillor before Tuesday.",
    "Holy crap, the price tag on {topic} just doubled? Who signed off on that?",
    "Someone in the last thread called {G} 'animals'. That's disgusting and it has no place here.",
    "Calling people idiots for supporting {topic} doesn't persuade anyone. Make an argument instead.",
    "{P} did a hell of a job getting {topic} through committee, whatever you think of it.",
    "I'm furious about {topic}. Not at the people who support it, but at how it was handled.",
    "The {G} community centre hosted a forum on {topic} last night; about 200 people came.",
    "{P}'s argument about {topic} is weak, the data is cherry-picked, and the conclusion doesn't follow.",
    "{G} on my street are split on {topic}, same as everyone else.",
    "Please stop the personal attacks. We can disagree about {topic} like adults.",
    "The policy is stupid, plain and simple, but the staff who have to carry it out are doing their best.",
    "Nope. Wrong. {topic} passed with 60% support, check the county records.",
    "LOL the timing of {topic} is terrible, right before the election. Classic politics.",
    "Damn, I didn't know {topic} would close the bridge for two years. That's rough for commuters.",
    "I reported the comment that used a slur against {G}. Mods, please remove it.",
    "{P} should be voted out over {topic}. That's what elections are for.",
    "My kid's school has lots of {G} and honestly they've been great neighbours.",
    "This is the worst-written article I've read on {topic}; it never even quotes the other side.",
    "Kill the bill! {topic} is a giveaway to developers.",
    "The story about the shooting near {topic} should have waited for police to confirm the facts.",
    "Hate the policy, not the people. {P} is a decent person who made a bad call on {topic}.",
    "Ugh, {topic} again? Can we talk about the potholes for once.",
    "I've met {P} twice and found them thoughtful, though I think they're dead wrong on {topic}.",
    "People keep saying {G} oppose {topic}. The poll says otherwise; 54% are in favour.",
    "Stupid question maybe, but does {topic} affect people who rent?",
    "Crime has fallen since {topic}; the fearmongering about {G} was wrong.",
    "The comments on {topic} are a dumpster fire. I'm out.",
    "Respectfully, you're mistaken. {topic} doesn't raise property taxes; read section 4.",
    "My late father fought against {topic} in the 90s. Funny how the same fights come back.",
]
LEADS = [
    "Read the article again.", "I've lived in this town for 22 years.", "Here we go again.",
    "Just saw the news on {topic}.", "Second time this month.", "Been following this since spring.",
    "Not surprised.", "Wow.", "Ok so.", "For the record, I pay taxes here too.",
]  # fmt: skip
TAILS = [
    "Just my two cents.", "End of story.", "Sad.", "See you at the ballot box.", "Unbelievable.",
    "Thanks for nothing.", "Whatever.", "Do better.", "Edit: typo.", "We'll see in November.",
]  # fmt: skip


@dataclass
class Comment:
    text: str
    label: int  # 1 toxic, 0 not
    template: str


def _register(text: str, rng: random.Random) -> str:
    """A comment section's register: some texts lower-cased, a word shouted, apostrophes dropped, one typo."""
    roll = rng.random()
    if roll < 0.18:
        text = text.lower()
    elif roll < 0.26:
        words = text.split()
        i = rng.randrange(len(words))
        words[i] = words[i].upper()
        text = " ".join(words)
    if rng.random() < 0.15:
        text = text.replace("'", "")
    if rng.random() < 0.15:
        words = text.split()
        i = rng.randrange(len(words))
        w = words[i]
        if len(w) > 4 and w.isalpha():
            j = rng.randrange(1, len(w) - 2)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        text = " ".join(words)
    if rng.random() < 0.1:
        text = text.rstrip(".") + rng.choice(["!!!", "...", "!!", " smh"])
    return text


def generate_forum3(seed: int = SEED, per_template: int = 6) -> list[Comment]:
    """Every template filled with `per_template` seeded picks; some with a neutral lead or tail; ~360 rows."""
    rng = random.Random(seed)
    fills = [{"P": p, "topic": t, "G": g} for p in PEOPLE for t in TOPICS for g in GROUPS]
    rows: list[Comment] = []
    for kind, label, templates in (("forum3_toxic", 1, TOXIC), ("forum3_civil", 0, CIVIL)):
        for t_index, template in enumerate(templates):
            for fill in rng.sample(fills, per_template):
                parts = [template]
                if rng.random() < 0.35:
                    parts.insert(0, rng.choice(LEADS))
                if rng.random() < 0.3:
                    parts.append(rng.choice(TAILS))
                text = " ".join(parts).format(**fill)
                text = re.sub(r"(^|[.?!;] )([a-z])", lambda m: m[1] + m[2].upper(), text)
                rows.append(Comment(_register(text, rng), label, f"{kind}:{t_index}"))
    unique = list({r.text: r for r in rows}.values())
    rng.shuffle(unique)
    return unique


if __name__ == "__main__":
    from collections import Counter

    comments = generate_forum3()
    print(len(comments), Counter(c.label for c in comments))
    for comment in comments[:12]:
        print(comment.label, comment.text)
