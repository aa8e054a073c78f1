"""Generated forum comments for training the toxicity head (issue 15 round 6; docs/cards/toxicity.md).

Rounds 4 and 5 trained the head on one family of 32 forum templates with seven people and ten topics: it learned
that a comment about a policy is harmless, and scored "Shove your opinion about the water rate increase where
the sun don't shine, you clown" at a head logit of -14. This generator builds comments from parts, so no
template is seen often enough to be learnt by heart: an attack (second-person and third-person insults from a
lexicon of forum vocabulary, "shut up" and its kin, obscenity, threats, identity attacks and dehumanising
comparisons, sarcastic put-downs), set among zero to three neutral sentences about one of many topics (local
politics, national news, sport, games, products, Wikipedia-style edits), in a comment section's register
(lower case, shouting, dropped apostrophes, typos). The harmless side is built the same way and holds the hard
cases: heated but civil disagreement, harsh criticism of a policy, product or decision (not of a person),
profanity that abuses no one, quoting an insult or a slur to condemn it, neutral mentions of identity groups,
talk-page disputes about edits and sources.

Written after `scripts/synth_forum3.py` (the round's unseen check), with its own vocabulary; common insults
("idiot", "moron") are in both, as they are in any forum. Each row's group is its attack or civil pattern and
its topic's domain, so a validation split by group holds out whole patterns.

    python scripts/synth_forum_train.py     # counts and a few rows
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

SEED = 61

DOMAINS = {
    "local": [
        "the parking meters", "the new roundabout", "the library hours", "the bus route changes",
        "the park cleanup",
        "the property tax hike", "the recycling schedule", "the school boundary change", "the fire hall budget",
        "the farmers market permit", "the bridge repairs", "the noise bylaw",
    ],
    "national": [
        "the immigration bill", "the healthcare overhaul", "the trade deal", "the election results",
        "the tax cuts",
        "the climate policy", "the supreme court ruling", "the defence budget", "the student loan plan",
        "the border policy", "the pipeline decision", "the minimum wage debate",
    ],
    "services": [
        "the electricity bill", "the garbage pickup fees", "the hospital wait times", "the sewer upgrade",
        "the daycare subsidy", "the housing waitlist", "the transit fare hike", "the clinic closure",
        "the pothole repairs", "the broadband rollout", "the seniors' centre", "the food bank funding",
        "the vaccine rollout", "the mental health funding", "the pool closure", "the street lighting",
    ],
    "society": [
        "the refugee quota", "the church closure", "the temple expansion", "the pride parade", "the gun debate",
        "the abortion ruling", "the police shooting", "the affirmative action case", "the drug decriminalisation",
        "the prison reform", "the statue removal", "the voter ID law", "the immigration raids",
        "the welfare cuts", "the language law", "the school prayer case",
    ],
    "sport": [
        "the trade deadline deal", "last night's game", "the new coach", "the referee's call", "the draft pick",
        "the playoff loss", "the transfer rumour", "the new stadium",
    ],
    "tech": [
        "the latest update", "the new phone", "this game patch", "the redesign", "the subscription price",
        "the battery life", "this framework", "the new console",
    ],
    "wiki": [
        "this article", "the edit history", "the infobox", "the sources section", "the deletion request",
        "the talk page", "your last revert", "the citation",
    ],
}  # fmt: skip
FIGURES = [
    "the mayor", "the premier", "the president", "the congressman", "the minister", "the coach", "the owner",
    "the CEO", "the reporter", "the editor", "the admin", "the moderator", "the manager", "the council",
    "the governor", "that senator", "the principal", "the columnist", "the developer", "the commissioner",
]  # fmt: skip
COMMENTERS = [
    "this guy",
    "the OP",
    "the poster above",
    "whoever wrote this",
    "this clown's fan club",
    "the author",
]
GROUPS = [
    "immigrants", "Muslims", "Jews", "black people", "Mexicans", "gays", "trans people", "Asians", "Arabs",
    "liberals", "conservatives", "Christians", "Chinese people", "Indians", "refugees", "women", "Africans",
    "Hispanics", "Irish people", "Poles", "Roma", "Haitians", "Filipinos", "Sikhs", "natives", "Somalis",
]  # fmt: skip

INSULT_NOUNS = [
    "idiot", "moron", "imbecile", "cretin", "dumbass", "jackass", "asshole", "dipshit", "loser", "clown",
    "buffoon",
    "fool", "halfwit", "nitwit", "dimwit", "numbskull", "bonehead", "twit", "prick", "dick", "douchebag",
    "scumbag", "creep", "pig", "hack", "shill", "troll", "snowflake", "libtard", "wingnut", "sheep", "bootlicker",
    "hypocrite", "liar", "coward", "weasel", "rat", "snake", "leech", "lowlife", "degenerate", "psycho",
    "lunatic", "nutjob", "crackpot", "freak", "sleazebag", "slimeball", "jerk", "tool", "bozo", "dope",
    "piece of garbage", "waste of space", "piece of shit", "sack of crap",
]  # fmt: skip
INSULT_ADJECTIVES = [
    "stupid", "dumb", "pathetic", "ignorant", "brainless", "clueless", "worthless", "useless", "disgusting",
    "spineless", "gutless", "senile", "delusional", "moronic", "idiotic", "braindead", "sad", "miserable",
    "lying", "corrupt", "greedy", "smug", "incompetent", "filthy", "fat", "ugly", "crooked", "sleazy", "whiny",
    "dense", "thick", "pea-brained", "sniveling", "bigoted", "deranged", "fucking", "goddamn", "stinking",
]  # fmt: skip
ANIMALS = [
    "monkey",
    "rock",
    "goldfish",
    "potato",
    "donkey",
    "hamster",
    "brick",
    "sack of hammers",
    "parrot",
    "slug",
]
DEHUMANISING = [
    "vermin", "animals", "savages", "parasites", "scum", "cockroaches", "rats", "leeches", "trash", "filth",
    "a disease", "a plague", "subhuman", "mongrels", "invaders", "apes",
]  # fmt: skip
VIOLENCE = [
    "shot", "hanged", "beaten senseless", "strung up", "punched in the face", "locked up and left to rot",
    "run over", "dragged into the street", "taken out back", "lynched",
]  # fmt: skip


def _article(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


# Attacks: each a function of (rng, fill) so that every row draws its own words. {t} topic, {f} a figure,
# {g} a group, {n} an insult noun, {a} an insult adjective, {x} an animal or object, {d} dehumanising, {v}
# violence.
ATTACKS = {
    "you_are": [
        "You are {an_a} {n}.", "you're such {an_a} {n}", "ur {an_n} lol", "You sound like {an_a} {n}.",
        "What {an_a} {n} you are.", "You're {an_n}, plain and simple.", "Spoken like a true {n}.",
        "God you're {a}.", "you are one {a} {n}, you know that?", "Wow, you really are {an_a} {n}.",
    ],
    "third_person": [
        "{F} is {an_a} {n}.", "{F} is {an_a} {n} and always has been.", "{F}? What {an_a} {n}.",
        "{F} is the biggest {n} in this whole town.", "{C} is {an_a} {n}.",
        "{F}, what {an_a} {n}. Resign already.",
        "Only {an_a} {n} like {f} could mess up {t} this badly.",
        "{F} is a {a} {n} who should never have been elected.",
    ],
    "rhetorical": [
        "Are you {a} or just pretending?", "Do you even read, {n}?", "How {a} can one person be?",
        "Did you drop out of grade school, {n}?", "Is there anything in that skull of yours besides air?",
        "Do you ever get tired of being so {a}?", "Who let this {n} post here?", "Can you even spell {t}, {n}?",
    ],
    "shut_up": [
        "Shut up, {n}.", "Shut your {a} mouth.", "stfu {n}", "Nobody asked you, {n}.", "Go away, {n}.",
        "Get lost, you {a} {n}.", "Piss off with your {a} opinions.", "Shut your trap and go cry somewhere else.",
        "Just shut up already, {n}.", "SHUT UP. Nobody cares what a {n} thinks.",
    ],
    "obscene": [
        "Fuck you and your {a} opinion.", "fuck off {n}", "Screw you, {n}.", "This is total bullshit, you {n}.",
        "Kiss my ass, {n}.", "You're full of shit.", "What a load of shit from {an_a} {n}.",
        "Eat shit, {n}.", "Go fuck yourself.", "Your comment is crap and so are you.",
    ],
    "threat": [
        "Someone should have {f} {v}.", "{F} deserves to be {v}.", "I hope you get {v}, {n}.",
        "Watch your back, {n}.", "Say that to my face and see what happens.", "I'll find you, {n}, count on it.",
        "People like {f} should be {v}.", "I'd love to see {f} {v} over {t}.", "Hope you die, {n}.",
        "Keep talking and you'll regret it.", "I know where you live.", "Somebody needs to put a bullet in {f}.",
    ],
    "identity": [
        "{G} are {d}.", "{G} are nothing but {d}.", "Send all the {g} back where they came from.",
        "No {g} should be allowed anywhere near {t}.", "Typical {g}, always whining.",
        "I hate {g}, every one of them.",
        "{G} don't deserve to live here.", "{G} ruin everything they touch.", "{G} are too {a} to vote.",
        "Get these {g} out of our country.", "The problem with {t}? Too many {g}.", "{G} breed like {d}.",
    ],
    "dehumanise_person": [
        "{F} has the brains of a {x}.", "You have the IQ of a {x}, {n}.", "A {x} could do {t} better than {f}.",
        "You're dumber than a {x}.", "{F} talks like a {x} with a head injury.",
        "Even a {x} makes more sense than you.",
    ],
    "sarcastic": [
        "Wow, such genius. Did you figure that out all by yourself?", "Bless your heart, you really tried, {n}.",
        "Congrats on being the dumbest person on the internet today.", "Let me use small words so you can follow.",
        "Must be hard being this {a} every single day.", "Another brilliant insight from the resident {n}.",
        "Thanks for proving you can't read, {n}.", "Did your mommy write that for you?",
        "Oh look, the village {n} has an opinion on {t}.", "Here's a tissue, snowflake. Cry harder.",
    ],
}  # fmt: skip
CIVIL = {
    "disagree": [
        "I disagree with {f} on {t}.", "You're wrong about {t}, and the report says why.",
        "That's not what the study found about {t}.", "Respectfully, I see it differently.",
        "I see your point, but {t} has real costs.", "We'll have to agree to disagree on {t}.",
        "I strongly disagree, and I'll vote accordingly.", "You make a fair point, but I'm not convinced.",
        "No, {t} was approved last year, check the minutes.", "I'd push back on that: the numbers are outdated.",
    ],
    "criticise_thing": [
        "{T} is a terrible idea.", "{T} is a complete waste of money.", "What a ridiculous decision on {t}.",
        "{T} is stupid policy and it will backfire.", "{F}'s handling of {t} was a mess.",
        "{T} is garbage, bring back the old version.", "{F} should resign over {t}.",
        "{T} is an absolute disaster.",
        "This is the worst decision I've seen on {t} in years.", "{F} got {t} badly wrong and should admit it.",
    ],
    "mild_profanity": [
        "The damn {x2} is broken again.", "What the hell happened with {t}?", "{T} is a damn mess.",
        "Holy crap, {t} costs how much?", "Damn, I didn't see that coming.",
        "Hell yes, finally some good news on {t}.",
        "Crap, I missed the meeting on {t}.", "This freaking {x2} never works.", "Well damn, that's a shame.",
    ],
    "condemn_quote": [
        "Calling {g} '{d}' is hateful and has no place here.",
        "The comment calling people idiots was uncalled for.",
        "I'm sick of people calling {g} {d}.", "Name-calling like 'moron' and 'clown' doesn't help anyone.",
        "Someone wrote that {g} are {d}. That's racist garbage and I reported it.",
        "Please don't call other commenters stupid; argue the point.", "Mods, someone called {f} a slur above.",
        "Words like '{n}' are not an argument.",
    ],
    "identity_neutral": [
        "Many {g} in my neighbourhood support {t}.", "The {g} community held a meeting about {t}.",
        "As one of the {g} here, I have mixed feelings about {t}.",
        "{G} have been part of this city for generations.",
        "Several {g} spoke at the hearing on {t}.", "The article interviewed {g} on both sides of {t}.",
        "My neighbours are {g} and they're great people.", "Discrimination against {g} is still common.",
    ],
    "plain": [
        "Thanks for the article on {t}.", "Does anyone know when {t} takes effect?", "Great coverage, thank you.",
        "Good point about {t}.", "I'd like to see the full numbers on {t}.", "Source please?",
        "Interesting read. I learned something.", "Will there be a follow-up on {t}?",
        "I reverted your edit because it had no source.",
        "Please discuss on the talk page before removing content.",
        "Congrats to the team, what a game!", "Can someone explain {t} in plain terms?",
    ],
    "news_report": [
        "Police said two {g} were questioned after the robbery and later released.",
        "A {g2} man was arrested at the airport; officials have not said why.",
        "The victim, a {g2} woman, was treated in hospital and released.",
        "Witnesses saw a {g2} man and a {g2b} man near the scene before the fire.",
        "The bomb threat at the school turned out to be a hoax, police said.",
        "Three {g} were among the injured in the crash on the highway.",
        "The court heard that the {g2} defendant had no prior record.",
        "Security staff stopped a {g2} traveller and a {g2b} traveller for extra screening.",
        "The shooting is being investigated as a possible hate crime against {g}.",
        "Officials said the {g2} suspect confessed; the other man was cleared.",
    ],
    "casual": [
        "lol dude, same thing happened to me last week", "Bro, relax, the game is tomorrow not today haha",
        "Dude that's awesome, congrats!!!", "haha man, I totally forgot about {t}", "lmao yes, this is so true",
        "Chill guys, the update comes out Friday.", "OMG I love this, thanks for posting!!!",
        "Dude, the meeting on {t} got moved to 7, heads up", "lol whatever works for you man",
        "Ha! Nailed it, dude.", "Yo, anyone going to the thing on {t} tonight?", "Bro you made my day lol",
        "Relax dude, it's just a typo, we all do it", "Hahaha fair enough, you got me there",
    ],
    "heated_civil": [
        "I'm furious about {t} and I'm not going to pretend otherwise.",
        "This makes my blood boil. Vote them out.",
        "Enough is enough. {F} has failed on {t} for years.", "I am so angry about {t}. Call your representative.",
        "Stop the spin and answer the question about {t}.", "Unacceptable. {F} owes us an explanation.",
        "Shame on the council for {t}.", "Kill the bill. {T} is a giveaway.",
    ],
}  # fmt: skip
CONTEXT = [
    "I read the whole article on {t}.", "This is the third story on {t} this week.",
    "Been following {t} for a while.",
    "Here we go again.", "I've lived here twenty years.", "Just my opinion.", "Look at the numbers.",
    "The article says {t} passed last month.", "Not surprised at all.", "Seriously.", "Wow.", "Unbelievable.",
    "Anyway.", "Whatever.", "That's all I have to say.", "Read it again.", "Edit: spelling.", "Cheers.",
    "It's been like this since {f} took over.", "Nobody saw {t} coming.",
]  # fmt: skip
NATIONAL = [
    "Muslim", "Jewish", "Hindu", "Catholic", "Christian", "Sikh", "Black", "white", "Asian", "Latino", "Mexican",
    "Arab", "Somali", "Chinese", "gay", "transgender", "Native American", "Indian", "Nigerian", "Polish",
]  # fmt: skip
OBJECTS = ["printer", "app", "traffic light", "website", "bus", "elevator", "wifi", "parking machine", "server"]


@dataclass
class ForumRow:
    text: str
    label: int  # 1 toxic, 0 not
    group: str  # pattern and topic domain: a validation split by group holds out whole patterns


def _fill(pattern: str, rng: random.Random, topic: str) -> str:
    noun, adjective = rng.choice(INSULT_NOUNS), rng.choice(INSULT_ADJECTIVES)
    figure, group = rng.choice(FIGURES), rng.choice(GROUPS)
    values = {
        "t": topic, "T": topic[0].upper() + topic[1:], "f": figure, "F": figure[0].upper() + figure[1:],
        "C": (c := rng.choice(COMMENTERS))[0].upper() + c[1:], "g": group, "G": group[0].upper() + group[1:],
        "n": noun,
        "a": adjective, "an_a": _article(adjective), "an_n": _article(noun), "x": rng.choice(ANIMALS),
        "x2": rng.choice(OBJECTS), "g2": rng.choice(NATIONAL), "g2b": rng.choice(NATIONAL),
        "d": rng.choice(DEHUMANISING), "v": rng.choice(VIOLENCE),
    }  # fmt: skip
    return pattern.format(**values)


def _register(text: str, rng: random.Random) -> str:
    """Lower case, a shouted word, dropped apostrophes, one swapped pair of letters, trailing punctuation."""
    roll = rng.random()
    if roll < 0.2:
        text = text.lower()
    elif roll < 0.28:
        words = text.split()
        i = rng.randrange(len(words))
        words[i] = words[i].upper()
        text = " ".join(words)
    elif roll < 0.31:
        text = text.upper()
    if rng.random() < 0.15:
        text = text.replace("'", "")
    if rng.random() < 0.12:
        words = text.split()
        i = rng.randrange(len(words))
        if len(words[i]) > 4 and words[i].isalpha():
            j = rng.randrange(1, len(words[i]) - 2)
            words[i] = words[i][:j] + words[i][j + 1] + words[i][j] + words[i][j + 2 :]
        text = " ".join(words)
    if rng.random() < 0.1:
        text = text.rstrip(".") + rng.choice(["!!!", "...", "!!", " smh", " lol", " SMH"])
    return text


def _comment(main: str, rng: random.Random, topic: str) -> str:
    """The main sentence among zero to three neutral sentences, in a random position."""
    sentences = [_fill(rng.choice(CONTEXT), rng, topic) for _ in range(rng.choice((0, 0, 1, 1, 2, 3)))]
    sentences.insert(rng.randrange(len(sentences) + 1), main)
    text = " ".join(sentences)
    return re.sub(r"(^|[.?!] )([a-z])", lambda m: m[1] + m[2].upper(), text)


def generate_forum_train(per_pattern: int = 20, seed: int = SEED) -> list[ForumRow]:
    """Each attack and civil pattern filled `per_pattern` times (own words, topic, context and register each time);
    civil patterns twice as often per kind as there are fewer kinds. About 4,000 rows, half toxic."""
    rng = random.Random(seed)
    rows: list[ForumRow] = []
    for label, table, repeat in ((1, ATTACKS, per_pattern), (0, CIVIL, per_pattern + per_pattern // 2)):
        for kind, patterns in table.items():
            for index, pattern in enumerate(patterns):
                for _ in range(repeat):
                    domain = rng.choice(list(DOMAINS))
                    topic = rng.choice(DOMAINS[domain])
                    text = _register(_comment(_fill(pattern, rng, topic), rng, topic), rng)
                    rows.append(ForumRow(text, label, f"forum_train:{label}:{kind}:{index}:{domain}"))
    unique = list({r.text: r for r in rows}.values())
    rng.shuffle(unique)
    return unique


if __name__ == "__main__":
    from collections import Counter

    generated = generate_forum_train()
    print(len(generated), Counter(r.label for r in generated))
    for row in generated[:15]:
        print(row.label, row.text)
