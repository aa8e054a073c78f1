"""Override and prompt-extraction rules of the injection scanner in languages beyond round 8's seven (round 9).

Same principle as the rules in `injection.py` (docs/cards/injection.md, rounds 8 and 9): an imperative "ignore" or
"forget" aimed at the *assistant's* instructions, rules or prompt — a qualifier ("previous", "above", "all",
"your") or the noun itself right next to the verb — and a request to show the system prompt. A user who forgets
their own message ("Önceki mesajımı unut", "забудь моё прошлое сообщение") names a message, a question or an
idea, never the instructions, so it does not match. Languages that put the verb last (Chinese, Japanese, Korean,
Turkish, Hindi) have the noun before the verb. Each rule has literal stems (its verbs): a text with none of them
skips it at the cost of a substring test.
"""

from __future__ import annotations

# (rule name, expression, score, gate stems); compiled case-insensitively by `injection._compiled`.
LanguageRule = tuple[str, str, float, tuple[str, ...]]

_ZH_NOUN = r"(?:指令|指示|规则|規則|说明|說明|设定|設定|提示词|提示詞|系统提示|系統提示|约束|限制|命令)"
_JA_NOUN = r"(?:指示|ルール|命令|指令|プロンプト|制限|規則|ガイドライン)"
_KO_NOUN = r"(?:지시|지침|규칙|명령|프롬프트|설정|제한|가이드라인)"
_RU_NOUN = (
    r"(?:инструкци\w*|указани\w*|правил\w*|ограничени\w*|промпт\w*|директив\w*|"
    r"інструкці\w*|вказівк\w*|настанов\w*)"
)

RULES: tuple[LanguageRule, ...] = (
    (
        "override_zh",
        rf"(?:忽略|忽视|無視|无视|忘记|忘記|忘掉|不要理会|不要理會|不理会|别管|別管|抛开|拋開|放弃|放棄|跳过|跳過)"
        rf"[^。！？\n]{{0,12}}?(?:之前|以前|先前|前面|上面|以上|上述|原来|原來|原有|所有|全部|你的)"
        rf"[^。！？\n]{{0,8}}?{_ZH_NOUN}",
        0.9,
        (
            "忽",
            "無視",
            "无视",
            "忘",
            "理会",
            "理會",
            "别管",
            "別管",
            "抛开",
            "拋開",
            "放弃",
            "放棄",
            "跳过",
            "跳過",
        ),
    ),
    (
        "reveal_prompt",
        r"(?:输出|輸出|显示|顯示|告诉我|告訴我|打印|泄露|重复|重複|给我看|給我看|说出|說出|透露)[^。！？\n]{0,10}?"
        r"(?:系统提示|系統提示|系统指令|系統指令|初始指令|原始指令|隐藏的?指令|隱藏的?指令|系统消息|系統消息)",
        0.88,
        (
            "输出",
            "輸出",
            "显示",
            "顯示",
            "告诉",
            "告訴",
            "打印",
            "泄露",
            "重复",
            "重複",
            "看",
            "说出",
            "說出",
            "透露",
        ),
    ),
    (
        "override_ja",
        rf"(?:以前|前|上記|上|これまで|先ほど|最初|元|すべて|全て|あなた)の?[^。！？\n]{{0,8}}?{_JA_NOUN}"
        r"[^。！？\n]{0,10}?(?:無視し(?:て|ろ|なさい)|忘れ(?:て(?!しま)|ろ|なさい)|従わないで)",
        0.9,
        ("無視", "忘れ", "従わな"),
    ),
    (
        "reveal_prompt",
        r"(?:システムプロンプト|システムメッセージ|初期指示|隠された指示)を?[^。！？\n]{0,6}?"
        r"(?:表示|出力|教え|見せ|繰り返|書い|言っ)",
        0.88,
        ("システム", "初期指示", "隠された"),
    ),
    (
        "override_ko",
        rf"(?:이전|위의|앞의|앞선|기존|모든|너의|당신의|지금까지)[^.!?\n]{{0,12}}?{_KO_NOUN}\S*\s*"
        r"(?:\S+\s+){0,2}?(?:무시해|무시하고|무시하세요|잊어|잊고|따르지 마)",
        0.9,
        ("무시", "잊", "따르지"),
    ),
    (
        "reveal_prompt",
        r"시스템\s*(?:프롬프트|메시지|지시)\S*\s*(?:\S+\s+){0,2}?(?:출력|보여|알려|말해|공개)",
        0.88,
        ("시스템",),
    ),
    (
        "override_ru",
        r"\b(?:игнорируй(?:те)?|проигнорируй(?:те)?|забудь(?:те)?|не обращай(?:те)? внимания на|отбрось(?:те)?|"
        r"пренебреги(?:те)?|не слушай(?:те)?|не следуй(?:те)?|ігноруй(?:те)?|проігноруй(?:те)?|"
        r"не зважай(?:те)? на)\s+"
        rf"(?:(?:\w+\s+){{0,2}}?(?:предыдущ\w*|прежн\w*|вс[еёi]\w*|сво\w+|тво\w+|ваш\w*|эти|изначальн\w*|"
        rf"исходн\w*|системн\w*|вышеуказанн\w*|вышеизложенн\w*|попередн\w*|ус[іi]\w*)\s+(?:\w+\s+)?{_RU_NOUN}"
        rf"|(?:\w+\s+)?{_RU_NOUN}\s+(?:выше|вище)\b"
        r"|вс[её] (?:что было |сказанное |написанное )?(?:выше|до этого|ранее|раньше)"
        r"|(?:\w+\s+){0,2}?(?:выше|вище)\b)",
        0.9,
        ("игнор", "забуд", "внимания", "отбрось", "пренебреги", "не слушай", "не следуй", "ігнор", "зважай"),
    ),
    (
        "override_ru",
        rf"\b{_RU_NOUN}\s+(?:выше|вище)\b[^.\n]{{0,20}}?\b(?:игнорируй|забудь|не действуют|отменены|ігноруй)",
        0.88,
        ("выше", "вище"),
    ),
    (
        "reveal_prompt",
        r"\b(?:покажи|выведи|раскрой|напиши|повтори|скажи|покажіть|покажи|виведи|повтори)(?:те)?\b[^.\n]{0,25}?"
        r"\b(?:системн\w+ (?:промпт|инструкци\w*|подсказк\w*|сообщени\w*|запрос\w*|інструкці\w*)|"
        r"(?:свои|твои|исходные|скрытые|свої) (?:инструкции|інструкції)|"
        r"промпт\w*)",
        0.88,
        ("покаж", "выведи", "виведи", "раскрой", "напиши", "повтори", "скажи"),
    ),
    (
        "override_ar",
        r"(?:تجاهل|تجاهلي|تجاهلوا|انس[\u064b-\u0652]?|انسى|لا تلتزم ب|لا تتبع|تخط[\u064b-\u0652]?ى?)\s+"
        r"(?:\S+\s+){0,2}?(?:التعليمات|الأوامر|القواعد|الإرشادات|التوجيهات|القيود|تعليماتك|أوامرك|قواعدك)",
        0.9,
        ("تجاهل", "انس", "لا تلتزم", "لا تتبع", "تخط"),
    ),
    (
        "override_tr",
        r"\b(?:önceki|yukarıdaki|tüm|bütün|eski|verilen|sana verilen|ilk)\b[^.\n]{0,20}?"
        r"\b(?:talimat\w*|kural\w*|komut\w*|yönerge\w*|sistem istem\w*)\b[^.\n]{0,15}?"
        r"\b(?:görmezden gel(?:in)?|yok say(?:ın)?|unut(?:un)?|dikkate alma(?:yın)?|boşver|umursama(?:yın)?)\b",
        0.9,
        ("görmezden", "yok say", "unut", "dikkate alma", "boşver", "umursama"),
    ),
    (
        "reveal_prompt",
        r"\bsistem (?:istemini|komutunu|talimatlarını|mesajını|promptunu)\b[^.\n]{0,15}?"
        r"\b(?:göster|yazdır|söyle|yaz|paylaş|tekrarla)",
        0.88,
        ("sistem",),
    ),
    (
        "override_pl",
        r"\b(?:zignoruj(?:cie)?|ignoruj(?:cie)?|zapomnij(?:cie)?|pomiń|pomińcie|nie zwracaj(?:cie)? uwagi na|"
        r"nie stosuj się do|nie przestrzegaj)\b[^.\n]{0,20}?\b(?:poprzedni\w*|wcześniejsz\w*|wszystki\w*|swoi\w*|"
        r"swoje|twoi\w*|twoje|powyższ\w*|dotychczasow\w*)\s+(?:\w+\s+){0,2}?"
        r"(?:instrukcj\w*|polece\w*|zasad\w*|regu\w*|wytyczn\w*|prompt\w*|ogranicze\w*)",
        0.9,
        ("ignoruj", "zapomnij", "pomiń", "zwracaj", "nie stosuj", "przestrzegaj"),
    ),
    (
        "override_nordic",
        r"\b(?:ignorera|ignorer|glöm|glem|strunta i|bortse fra|se bort från|negligera)\b\s+(?:\w+\s+){0,2}?"
        r"(?:instruktion\w*|instruks\w*|regler\w*|regl\w*|anvisning\w*|direktiv\w*|prompt\w*|alt ovenfor|"
        r"allt ovan|alt tidligere|allt tidigare)",
        0.9,
        ("ignorer", "glöm", "glem", "strunta", "bortse", "se bort", "negliger"),
    ),
    (
        "override_cs",
        r"\b(?:ignoruj(?:te)?|zapomeň(?:te)?|nevšímej(?:te)? si|nedbej(?:te)?|neřiď(?:te)? se)\b\s+"
        r"(?:\w+\s+){0,2}?(?:pokyn\w*|instrukc\w*|pravid\w*|příkaz\w*|prompt\w*)",
        0.9,
        ("ignoruj", "zapomeň", "nevšímej", "nedbej", "neřiď"),
    ),
    (
        "override_hi",
        r"(?:पिछले|पिछली|सभी|सारे|ऊपर|पहले|अपने)[^।\n]{0,20}?(?:निर्देश\S*|नियम\S*|आदेश\S*)[^।\n]{0,15}?"
        r"(?:अनदेखा|नज़रअंदाज़|नजरअंदाज|भूल|इग्नोर)",
        0.9,
        ("अनदेखा", "नज़रअंदाज़", "नजरअंदाज", "भूल", "इग्नोर"),
    ),
    (
        "override_vi",
        r"\b(?:bỏ qua|quên|phớt lờ|lờ đi|đừng làm theo|không tuân theo)\b[^.\n]{0,25}?"
        r"\b(?:hướng dẫn|chỉ dẫn|quy tắc|chỉ thị|mệnh lệnh|lời nhắc hệ thống)\b",
        0.9,
        ("bỏ qua", "quên", "phớt lờ", "lờ đi", "đừng làm", "không tuân"),
    ),
    (
        "override_id",
        r"\b(?:abaikan|lupakan|jangan ikuti|acuhkan)\b[^.\n]{0,25}?"
        r"\b(?:instruksi|perintah|aturan|petunjuk|arahan|prompt)\b",
        0.9,
        ("abaikan", "lupakan", "jangan ikuti", "acuhkan"),
    ),
)
