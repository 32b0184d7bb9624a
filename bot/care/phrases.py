"""The few sentences the care layer says itself (not part of any flow), in each language."""

from __future__ import annotations

from html import escape

_PHRASES: dict[str, dict[str, str]] = {
    "stale_button": {
        "en": "That button belongs to an earlier message, so I've left things as they are.",
        "zh": "这个按钮来自之前的消息，所以我没有做任何改动。",
    },
    "stale_button_short": {
        "en": "That button is from an earlier message.",
        "zh": "这个按钮来自之前的消息。",
    },
    "nothing_open": {
        "en": "Thanks for your message. There's no question open right now. Send /menu to see "
        "what you can do, or /help if you need support.",
        "zh": "谢谢你的消息。现在没有需要回答的问题。"
        "发送 /menu 查看可以做什么，需要帮助请发送 /help。",
    },
    "unsupported": {
        "en": "Thank you for sending that. I can only read text and button taps, so please "
        "answer in words or with the buttons.",
        "zh": "谢谢你发来的内容。我只能读懂文字和按钮，请用文字或按钮回答。",
    },
    "too_long": {
        "en": "That's a long message — thank you. I can keep up to {limit} characters in one "
        "answer; could you send a shorter version?",
        "zh": "这条消息很长，谢谢你。每条回答我最多能保存 {limit} 个字，可以发一个短一点的版本吗？",
    },
    "problem": {
        "en": "Sorry, something went wrong on our side. Your answers so far are safe. Send /menu "
        "to carry on, or /help if you need support.",
        "zh": "抱歉，我们这边出了点问题。你之前的回答都已保存。"
        "发送 /menu 继续，需要帮助请发送 /help。",
    },
    "paused_note": {
        "en": "Your programme is paused, so I won't send reminders or new modules. Send /resume "
        "whenever you're ready.",
        "zh": "你的课程已暂停，我不会发送提醒或新的单元。准备好了随时发送 /resume。",
    },
    "data_file": {
        "en": "Here is everything Daybreak keeps about you, as a JSON file.",
        "zh": "这是 Daybreak 保存的关于你的全部信息（JSON 文件）。",
    },
    "forgotten": {
        "en": "Everything personal we kept about you has been deleted. Take care of yourself. "
        "If you ever want to start again, send /start.",
        "zh": "我们保存的你的个人信息已全部删除。请照顾好自己。如果想重新开始，随时发送 /start。",
    },
    "edit_noted": {
        "en": "I've seen your edit, thank you. I keep the answer you first gave there, so if "
        "you'd like to change something, just tell me in a new message.",
        "zh": "我看到你修改了消息，谢谢。那里我会保留你最初的回答；"
        "如果想改什么，请发一条新消息告诉我。",
    },
    "waiting": {
        "en": "Thanks for your message. I'll be back with the next step soon. Send /menu if "
        "you'd like to do something now, or /help if you need support.",
        "zh": "谢谢你的消息。我很快会带来下一步。"
        "想现在做点什么请发送 /menu，需要帮助请发送 /help。",
    },
    "no_entries": {
        "en": "You haven't saved any entries yet. /tools has the mood diary and more.",
        "zh": "你还没有保存任何记录。/tools 里有心情日记等工具。",
    },
    "group_refusal": {
        "en": "Daybreak only talks with people in a private chat. Please message me directly.",
        "zh": "Daybreak 只在私聊中交流，请直接给我发消息。",
    },
}


def plain(key: str, language: str, **values: object) -> str:
    """The phrase in `language` (English if not translated), as plain text."""
    options = _PHRASES[key]
    text = options.get(language, options["en"])
    return text.format(**values) if values else text


def say(key: str, language: str, **values: object) -> str:
    """The phrase in `language`, as HTML-safe text for a message."""
    return escape(plain(key, language, **values), quote=False)
