"""Generated toxicity training data: implicit hate, benign text about identities, insults, everyday questions.

Davidson's tweets teach slurs and profanity; HateCheck's cases are a test suite with few templates. Neither
teaches that "They breed like rabbits and will soon outnumber us" is hate without a single rude word, nor that
"Should I invest in bitcoin?" or "What do Muslims eat during Ramadan?" is harmless. Every row comes from a
template written here, filled with identity groups, objects or topics; the row's group is its template, so
`scripts/train_toxicity.py` holds out whole templates (never a filled-in twin of a training row).

    python scripts/synth_toxicity.py            # prints counts and a few rows
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

GROUPS = [
    "immigrants", "Muslims", "Jews", "black people", "women", "gay people", "trans people", "Mexicans",
    "refugees", "Asians", "disabled people", "Arabs", "Africans", "Roma", "Chinese people", "Indians",
    "lesbians", "Latinos", "Pakistanis", "Somalis", "Hindus", "migrants", "foreigners", "Christians",
]  # fmt: skip

# Hate without slurs or profanity: stereotypes, dehumanising metaphors, exclusion, conspiracy, veiled threats.
IMPLICIT_HATE = [
    "{g} are ruining this country and everyone knows it.",
    "We need to send {g} back where they came from.",
    "{g} breed like rabbits and will soon outnumber us.",
    "Never trust {g}, lying is in their nature.",
    "Our neighbourhood was fine until {g} moved in.",
    "{g} simply don't belong in a civilised society.",
    "I'm not racist, but {g} are just less intelligent than us.",
    "Why do {g} always have to be so violent?",
    "{g} are a plague on our nation.",
    "Funny how crime went up the moment {g} showed up.",
    "{g} should be kept out of our schools.",
    "{g} are parasites living off our taxes.",
    "It was a mistake to ever let {g} vote.",
    "Let's be honest, {g} bring nothing but problems.",
    "{g} are animals, no matter how nicely they dress.",
    "The world would be a better place without {g}.",
    "{g} are taking over and our leaders do nothing about it.",
    "{g} spread through our cities like a disease.",
    "{g} are only good for cleaning toilets.",
    "Hire {g}? Enjoy watching your money disappear.",
    "Wake up, people: {g} are replacing us and the media hides it.",
    "{g} have no culture worth respecting.",
    "A country full of {g} is a country without a future.",
    "{g} will never be real citizens of this country, whatever their papers say.",
    "Every problem in this town can be traced back to {g}.",
    "Keep {g} away from our children.",
    "{g} are born criminals, it's in their blood.",
    "Sooner or later we will have to deal with {g} for good.",
    "{g} should know their place and stay in it.",
    "Don't rent to {g}, they destroy everything they touch.",
    "{g} are incapable of living like decent human beings.",
    "Nobody wants {g} here, they should take the hint and leave.",
    "Have you noticed that {g} are always the ones on welfare?",
    "{g} ought to be banned from holding public office.",
    "Our ancestors didn't build this nation so {g} could ruin it.",
    "I'd rather my daughter die than marry one of those {g}.",
    "{g} are subhuman and should be treated as such.",
    "The only good thing about {g} is when they leave.",
    "{g} control the banks and the media, that's just a fact.",
    "Time to take our country back from {g}.",
    "If {g} want respect they should stop acting like savages.",
    "Honestly {g} are a burden on everyone around them.",
    "{g} can't be trusted with any real responsibility.",
    "Close the borders before {g} finish destroying us.",
    "{g} are like rats, once they get in you can't get rid of them.",
    "Why should we pay for {g} to live here for free?",
    "{g} are not people like you and me.",
    "Mark my words, {g} will be the end of western civilisation.",
]

# Text that names the same groups without attacking them: facts, questions, support, counter-speech.
BENIGN_IDENTITY = [
    "{g} deserve the same rights as everyone else.",
    "My neighbours are {g} and they are lovely people.",
    "What holidays do {g} celebrate in winter?",
    "How can our company better support {g} in the workplace?",
    "Many {g} live and work in this city.",
    "Saying that {g} are criminals is a harmful stereotype.",
    "Can you recommend some novels written by {g}?",
    "Discrimination against {g} is still a problem today.",
    "Our airline welcomes {g} and all other travellers.",
    "I'm writing an essay on the history of {g} in Europe.",
    "Statistics show that {g} contribute a great deal to the economy.",
    "It's wrong to blame {g} for the housing crisis.",
    "What are common misconceptions about {g}?",
    "I volunteer at a charity that helps {g} find jobs.",
    "The museum has a new exhibition about {g} and their traditions.",
    "Please summarise this report on the health of {g}.",
    "Some of my best colleagues are {g}.",
    "How do I respond when someone makes a hateful joke about {g}?",
    "Hate speech against {g} has no place on this forum.",
    "Which laws protect {g} from discrimination at work?",
    "The documentary follows three {g} starting small businesses.",
    "I'm proud to stand with {g} in my community.",
    "Are there support groups for {g} in London?",
    "The survey asked {g} about their experience with public transport.",
    "Our school hosted a cultural evening organised by {g}.",
    "Translate this welcome message for {g} arriving at the airport.",
    "People who say {g} are dangerous have never met any.",
    "Do {g} face barriers when applying for mortgages?",
    "It's not okay to say {g} are parasites.",
    "{g} have the right to practise their faith and culture freely.",
]

# Stereotypes stated as fact: a negative trait pinned on a group, in several frames (ToxiGen-like statements).
TRAITS = [
    "lazy", "violent", "dishonest", "primitive", "dirty", "greedy", "stupid", "emotional", "dangerous", "backward",
]  # fmt: skip
STEREOTYPE = [
    "{g} are too {trait} to be trusted with real jobs.",
    "Everyone knows {g} are naturally {trait}.",
    "It's in their genes: {g} are just {trait}.",
    "Typical {g}, always so {trait}.",
    "Science proves {g} are more {trait} than the rest of us.",
    "You can't expect much from {g}, they are {trait} by nature.",
    "Of course it was {g} again, they are all {trait}.",
]
# The same traits and groups in text that names a stereotype to reject or study it.
STEREOTYPE_BENIGN = [
    "The idea that {g} are {trait} is a myth with no evidence behind it.",
    "How do I explain to my son that calling {g} {trait} is prejudice?",
    "Research shows {g} are no more {trait} than anyone else.",
    "The article debunks the stereotype that {g} are {trait}.",
]

# Insults and harassment aimed at a person, as in forum comments (no identity group needed).
INSULT_OPENERS = ["you are", "you're", "he is", "she is", "this guy is", "the author is", "anyone who agrees is"]
INSULTS = [
    "an idiot", "a complete moron", "a pathetic loser", "too stupid to read", "a worthless clown",
    "a brainless troll", "a disgusting pig", "a lying sack of garbage", "an ignorant fool",
    "dumber than a rock", "a waste of oxygen", "a spineless coward",
]  # fmt: skip
INSULT_TEMPLATES = [
    "{o} {i}.",
    "Seriously, {o} {i}, nobody cares what you think.",
    "Shut up, {o} {i}.",
    "lol {o} {i}",
    "Only {i} would write something this dumb.",
    "Go away, {o} {i} and everyone here knows it.",
    "I hope you choke on your own words, {i}.",
    "Do the world a favour and disappear, {i}.",
]

# Everyday questions an assistant reads, many on money, crypto and payments (the n-gram model flagged "bitcoin").
ASSETS = [
    "bitcoin", "Bitcoin", "ethereum", "crypto", "dogecoin", "stocks", "gold", "index funds", "bonds",
    "Apple shares", "real estate", "a savings account", "Tesla stock", "solana", "an ETF",
]  # fmt: skip
THINGS = ["parking", "my ticket", "the hotel", "groceries", "my flight", "a coffee", "the taxi", "my rent"]
EVERYDAY = [
    "Should I invest in {a}?",
    "Is {a} a good investment right now?",
    "Can I pay for {t} with {a}?",
    "How do I buy {a} safely?",
    "What are the risks of putting my savings in {a}?",
    "Explain how {a} works to a beginner.",
    "Why did {a} drop so much this week?",
    "Do you accept {a} for {t}?",
    "How are gains on {a} taxed?",
    "I lost money on {a}, what should I do now?",
    "Is it too late to get into {a}?",
    "Compare {a} with a pension fund.",
]
# Short chat turns: one casual word carries little meaning, and tweets taught the head that "lol" is abuse.
SHORT_CHAT = [
    "ok", "okay", "bye", "lol", "lol ok", "haha", "whatever", "sure", "thanks", "thx", "yes", "no", "nope",
    "yep", "hi", "hello", "hey there", "good morning", "cool", "great", "got it", "no worries", "k", "omg", "wow",
    "lmao that's funny", "idk", "dunno", "fine", "meh", "ugh, fine", "see you", "cheers", "brb", "nvm",
    "alright then", "dude, seriously?", "whatever works", "fair enough", "yeah right",
]  # fmt: skip
COMPLAINTS = [
    "This service is terrible, I want a refund for {t}.",
    "I've been waiting an hour for {t}, this is ridiculous.",
    "Your app crashed again when I paid for {t}. Fix it!",
    "Worst experience ever with {t}, never again.",
    "Why on earth was I charged twice for {t}?",
    "I'm really annoyed that nobody answered my email about {t}.",
    "The queue for {t} was a damn nightmare.",
    "Honestly the new policy on {t} is stupid.",
]

# Forum comments (Civil Comments / Jigsaw style), written before the first training run with them. Toxic: insults,
# threats, obscenity and identity attacks aimed at a commenter, a public figure or a group; civil: disagreement,
# strong but civil criticism, news discussion that names identity groups neutrally.
PEOPLE = ["the mayor", "the author", "this commenter", "the senator", "the minister", "the editor", "the coach"]
TOPICS = [
    "the new bike lanes", "the tax increase", "the school budget", "the pipeline project", "rent control",
    "the stadium deal", "the zoning change", "the police budget", "the vaccine mandate", "the new housing plan",
]  # fmt: skip
FORUM_TOXIC = [
    "Anyone who supports {topic} is a brain-dead moron.",
    "{p} is a corrupt clown and should be thrown in jail for pushing {topic}.",
    "What a pathetic, ignorant article about {topic}. The writer is a total idiot.",
    "Shut your stupid mouth, nobody asked for your opinion on {topic}.",
    "People like {p} deserve a beating for what they did with {topic}.",
    "If {p} shows up at the meeting about {topic} someone should teach them a lesson they won't forget.",
    "You libtards and your crap about {topic}, go to hell.",
    "This is the dumbest bullshit I've read about {topic}, are you people retarded?",
    "{p} is a lying piece of shit and everyone knows it.",
    "I hope {p} gets what's coming, hopefully in a body bag.",
    "Typical {g}, whining about {topic} instead of getting a job.",
    "Of course {g} want {topic}, they want everything for free.",
    "Get {g} out of our town before they wreck {topic} too.",
    "Only a filthy loser would defend {topic}, you disgust me.",
    "Go crawl back under your rock, troll, your take on {topic} is garbage.",
    "{p} should be shot for signing off on {topic}.",
]
FORUM_CIVIL = [
    "I disagree with {p} on {topic}; the numbers in the report don't support it.",
    "With respect, I think the article leaves out the costs of {topic}.",
    "{p}'s plan for {topic} is badly thought out and will waste money.",
    "This is a terrible decision on {topic}, and the council should reverse it.",
    "I strongly object to {topic}; it was rushed through without any public hearing.",
    "Could someone explain how {topic} will be paid for? The article is vague.",
    "The comments here about {topic} are getting heated, let's stick to the facts.",
    "The survey found that {g} were more likely to support {topic} than other residents.",
    "Several {g} spoke at the hearing on {topic}, some for it and some against.",
    "The article quotes {g} who say {topic} would affect their neighbourhood.",
    "I voted for {p}, but their handling of {topic} has been disappointing.",
    "Frankly {topic} is a stupid idea, but I respect the people who worked on it.",
    "Good piece. I'd add that {topic} was tried in another city and failed.",
    "{p} made a fair point about {topic}, even if I don't agree with the conclusion.",
    "The editorial on {topic} is one-sided; where is the other view?",
    "As one of the {g} in this town, I think {topic} deserves a fair hearing.",
]
# Benign requests an assistant reads that touch sensitive topics (violence, hate, drugs, history) without abuse.
ASSISTANT_SENSITIVE = [
    "Summarise the history of discrimination against {g} in the twentieth century.",
    "How should a moderator respond to a forum post that insults {g}?",
    "Write a neutral news summary about the debate over {topic}.",
    "What are the arguments for and against {topic}?",
    "Explain what hate speech laws say about slurs against {g}.",
    "Draft a polite reply to a customer who called our agent an idiot.",
    "How do I report a threatening comment about {topic} to the site admins?",
    "List resources for {g} who have experienced harassment online.",
    "Translate this sentence about {topic} into French.",
    "Give me talking points for a respectful debate on {topic}.",
]


@dataclass
class Example:
    text: str
    label: int  # 1 toxic (hate or offensive), 0 not
    template: str  # the group key: whole templates are held out
    kind: str  # implicit_hate | benign_identity | stereotype(_benign) | insult | everyday | complaint | short_chat
    # | forum_toxic | forum_civil | assistant_sensitive
    target: str  # the identity group filled in, "" when none


def _fill(kind: str, label: int, templates: list[str], fills: list[dict[str, str]]) -> list[Example]:
    out = []
    for t_index, template in enumerate(templates):
        for fill in fills:
            text = template.format(**fill)
            text = text[0].upper() + text[1:]
            out.append(Example(text, label, f"{kind}:{t_index}", kind, fill.get("g", "")))
    return out


def generate(seed: int = 15) -> list[Example]:
    """Every template filled with every group / insult / asset, deduplicated, in a seeded order."""
    groups = [{"g": g} for g in GROUPS]
    insults = [{"o": o, "i": i} for o in INSULT_OPENERS for i in INSULTS]
    assets = [{"a": a, "t": t} for a in ASSETS for t in THINGS[:3]]
    things = [{"t": t} for t in THINGS]
    traits = [{"g": g, "trait": t} for g in GROUPS for t in TRAITS]
    rows = (
        _fill("implicit_hate", 1, IMPLICIT_HATE, groups)
        + _fill("benign_identity", 0, BENIGN_IDENTITY, groups)
        + _fill("stereotype", 1, STEREOTYPE, traits)
        + _fill("stereotype_benign", 0, STEREOTYPE_BENIGN, traits)
        + _fill("insult", 1, INSULT_TEMPLATES, insults)
        + _fill("everyday", 0, EVERYDAY, assets)
        + _fill("complaint", 0, COMPLAINTS, things)
    )
    people = [{"p": p, "topic": t, "g": g} for p in PEOPLE for t in TOPICS[::2] for g in GROUPS[::4]]
    rows += _fill("forum_toxic", 1, FORUM_TOXIC, people[::3])
    rows += _fill("forum_civil", 0, FORUM_CIVIL, people[::3])
    rows += _fill("assistant_sensitive", 0, ASSISTANT_SENSITIVE, people[::5])
    rows += [
        Example(form(word) + end, 0, f"short_chat:{i}", "short_chat", "")
        for i, word in enumerate(SHORT_CHAT)
        for form in (str, str.capitalize, str.upper)
        for end in ("", "!", "!!", " :)", ".")
    ]
    unique = {r.text: r for r in rows}
    ordered = list(unique.values())
    random.Random(seed).shuffle(ordered)
    return ordered


# More forum comments of family 1's kind (its people, topics and groups), round 5: all of them go to the split
# that fits the stack and chooses the threshold (scripts/train_toxicity_head.py), so that the rule sees forum
# comments in proportion (round 4's stack split held 17); never in a held-out file, never trained on by the head.
FORUM_EXTRA_TOXIC = [
    "You are an absolute imbecile if you think {topic} will work.",
    "{p} is a spineless liar and a crook, plain and simple.",
    "Shut up already, your whining about {topic} is pathetic.",
    "What kind of moron writes this drivel about {topic}?",
    "{p} needs a good punch in the face for {topic}.",
    "Keep defending {topic} and you'll get what's coming to you, pal.",
    "This is total crap, and so is everyone cheering for {topic}.",
    "Screw {p} and screw {topic}, what a bunch of jackasses.",
    "{g} are filth, and {topic} only helps them.",
    "Let {g} pay for {topic} themselves, the lazy freeloaders.",
    "Another idiotic rant about {topic}. Do you ever get tired of being so dumb?",
    "Nice work, {p}. A trained monkey could have handled {topic} better.",
    "Get lost, you ignorant hick, nobody wants your opinion on {topic}.",
    "{p} is a senile old fool and should be dragged out of office over {topic}.",
    "The morons who run this paper wouldn't know the truth about {topic} if it hit them.",
    "Hope whoever pushed {topic} gets run over by a bus.",
]
FORUM_EXTRA_CIVIL = [
    "I don't agree with {p} on {topic}, but I respect the effort that went into it.",
    "The article on {topic} is misleading; the budget figures are from last year.",
    "{topic} is a bad idea that will cost taxpayers for decades.",
    "I'm angry about {topic} and I'll be writing to my representative.",
    "{p} should resign over the mess with {topic}.",
    "Thanks for covering {topic}. Will there be a follow-up on the costs?",
    "The debate over {topic} has been ugly on both sides; can we lower the temperature?",
    "Many {g} in my building are worried about {topic} raising their rent.",
    "A spokesperson for local {g} said {topic} was discussed at length.",
    "I think the criticism of {p} over {topic} is unfair and mostly political.",
    "This was a ridiculous waste of time, and {topic} should never have reached a vote.",
    "The letter from {g} about {topic} raised points the council ignored.",
    "Wrong on the facts: {topic} was approved in March, not June.",
    "Whatever you think of {p}, {topic} deserves a proper debate.",
    "I've lived here forty years and {topic} is the worst decision I've seen.",
    "Please cite a source for that claim about {topic}.",
]


def generate_forum_extra(seed: int = 5) -> list[Example]:
    """The extra family-1 forum comments, each template filled with 24 seeded picks of family 1's fills."""
    rng = random.Random(seed)
    fills = [{"p": p, "topic": t, "g": g} for p in PEOPLE for t in TOPICS for g in GROUPS]
    rows: list[Example] = []
    for kind, label, templates in (
        ("forum_extra_toxic", 1, FORUM_EXTRA_TOXIC),
        ("forum_extra_civil", 0, FORUM_EXTRA_CIVIL),
    ):
        for t_index, template in enumerate(templates):
            for fill in rng.sample(fills, 24):
                text = re.sub(r"(^|[.?!;:] )([a-z])", lambda m: m[1] + m[2].upper(), template.format(**fill))
                rows.append(Example(text, label, f"{kind}:{t_index}", kind, fill["g"]))
    unique = list({r.text: r for r in rows}.values())
    rng.shuffle(unique)
    return unique


# Forum family 2 (Civil Comments style news and forum replies), written for issue 15 round 5 BEFORE any model or
# threshold saw it, and never trained or tuned on: `generate_forum2()` is not part of `generate()`, and
# scripts/make_toxicity_checks.py writes it as forum2.jsonl, scored once. Its own people, topics and phrasing.
FORUM2_PEOPLE = [
    "the governor", "that columnist", "the premier", "the councillor", "the CEO", "the police chief",
    "the professor", "the school board chair", "the spokesman", "the judge",
]  # fmt: skip
FORUM2_TOPICS = [
    "the carbon tax", "the transit levy", "the library closures", "the ferry contract", "the minimum wage hike",
    "the hospital merger", "the casino licence", "the teen curfew", "the water rate increase", "the gun bylaw",
    "the refugee resettlement plan", "the new mosque permit",
]  # fmt: skip
FORUM2_GROUPS = [
    "Catholics", "Sikhs", "Indigenous people", "Haitians", "Filipinos", "Mormons", "Syrians", "Jews", "Muslims",
    "gay men", "immigrants", "black residents",
]  # fmt: skip
FORUM2_TOXIC = [
    "Wow, {p} really outdid themselves on {topic}. Do they need a helper to tie their shoes too?",
    "{p} is a gutless weasel and a disgrace, and the idiots who voted for this deserve what they get.",
    "Shove your opinion about {topic} where the sun don't shine, you clown.",
    "Somebody ought to put {p} in the ground before {topic} goes any further.",
    "{g} are vermin and {topic} just lets more of them crawl in.",
    "What a load of crap. Only a braindead hack could write this about {topic}.",
    "Nobody with an IQ above room temperature believes this garbage about {topic}.",
    "Hey genius, maybe read the article before spewing your idiotic drivel about {topic}.",
    "{p} is a greedy scumbag who should rot in a cell for {topic}.",
    "I know where {p} lives. Keep pushing {topic} and see what happens.",
    "Figures that {g} would cry about {topic}. Pack up and go home if you hate it here.",
    "This damn fool of a writer wouldn't know a fact about {topic} if it bit him on the ass.",
    "You are a sad, stupid little person and your comments on {topic} prove it.",
    "Congratulations to {p}, once again the dumbest person in the room on {topic}.",
    "Piss off with your whining about {topic}, loser.",
    "{g} ruin every neighbourhood they move into, and {topic} will be no different.",
    "Every clown defending {topic} should be tarred and feathered.",
    "Go back to your mom's basement, troll. Your take on {topic} is as worthless as you are.",
    "The people behind {topic} are scum and I hope they burn.",
    "Hey {p}, you pathetic hypocrite, your lies about {topic} make me sick.",
    "Of course the {g} crowd loves {topic}. Leeches always do.",
    "Typical moronic liberal garbage about {topic}. Grow a brain.",
]
FORUM2_CIVIL = [
    "I think {p} is wrong about {topic}, and I'll say so at the next council meeting.",
    "The figures on {topic} don't add up. Has anyone asked the auditor to look at them?",
    "{p} has handled {topic} very poorly and should answer questions about it publicly.",
    "Strongly disagree. {topic} will hurt small businesses and the article glosses over that.",
    "This is an absurd waste of public money. Vote against {topic} in the fall.",
    "Several {g} I know support {topic}, while others are firmly against it.",
    "The reporter interviewed {g} on both sides of {topic}, which I appreciated.",
    "As a parent, I'm frustrated and angry about {topic}, but name-calling won't fix it.",
    "{p}'s record on {topic} is dismal. It's time for new leadership.",
    "Please keep the comments civil; we can disagree about {topic} without attacking each other.",
    "I used to back {p}, but {topic} was a serious mistake and I won't vote for them again.",
    "How is {topic} different from the failed version we tried ten years ago?",
    "Local {g} were not consulted about {topic}, and that's a fair complaint.",
    "Criticising {topic} isn't the same as being against {g}; both sides should remember that.",
    "I read the whole report on {topic}. The costs are underestimated by at least a third.",
    "Frankly, {p}'s defence of {topic} was weak, evasive and unconvincing.",
    "Good article. {topic} deserves more scrutiny than it has had so far.",
    "The protest against {topic} was loud but peaceful, and that's how democracy should work.",
    "My grandparents were {g} who came here with nothing; {topic} matters to families like theirs.",
    "I'm tired of the spin. Give us plain numbers on {topic} and let voters decide.",
    "You make a fair point about {topic}, though I still think the timing is wrong.",
    "The editorial board got {topic} completely wrong this time, in my view.",
]


def generate_forum2(seed: int = 2026) -> list[Example]:
    """Forum family 2: every template filled with 8 seeded (person, topic, group) picks; about 350 rows."""
    rng = random.Random(seed)
    fills = [{"p": p, "topic": t, "g": g} for p in FORUM2_PEOPLE for t in FORUM2_TOPICS for g in FORUM2_GROUPS]
    rows: list[Example] = []
    for kind, label, templates in (("forum2_toxic", 1, FORUM2_TOXIC), ("forum2_civil", 0, FORUM2_CIVIL)):
        for t_index, template in enumerate(templates):
            for fill in rng.sample(fills, 8):
                text = re.sub(r"(^|[.?!;] )([a-z])", lambda m: m[1] + m[2].upper(), template.format(**fill))
                rows.append(Example(text, label, f"{kind}:{t_index}", kind, fill["g"]))
    unique = list({r.text: r for r in rows}.values())
    rng.shuffle(unique)
    return unique


if __name__ == "__main__":
    from collections import Counter

    examples = generate()
    print(len(examples), Counter((e.kind, e.label) for e in examples))
    for example in examples[:8]:
        print(example)
