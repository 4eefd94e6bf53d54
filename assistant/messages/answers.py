"""Policy answers: near misses (the entity is there, what was asked is not) and the asked attribute's name."""

MESSAGES = {
    "answer.near_miss": {
        "zh": "文件没有规定{entity}{attribute}。{doc} {cite} 关于{entity}的规定是：\n「{quote}」",
        "en": "The directive does not say {attribute_en}. What {doc} {cite} says about this (quoted in Chinese):\n「{quote}」",
    },
    "answer.near_miss_value": {
        "zh": "文件没有提到{values}。{doc} {cite} 关于{entity}的规定是：\n「{quote}」",
        "en": "The directive does not mention {values_en}. What {doc} {cite} says about this (quoted in Chinese):\n「{quote}」",
    },
    "answer.another_document": {
        "zh": "{doc} 只载有本文件自己的信息，没有提到其他文件的文号、日期等。本文件文头的相关内容是：\n「{quote}」",
        "en": "{doc} gives only its own details, not another document's number or date. Its own header says (quoted "
              "in Chinese):\n「{quote}」",
    },
    "answer.value_unstated": {"zh": "文件中没有提到{values}。", "en": "The documents never mention {values_en}. "},
    "answer.attr.frequency": {"zh": "多久开展一次", "en": "how often"},
    "answer.attr.money": {"zh": "的金额或经费", "en": "any amount of money"},
    "answer.attr.age": {"zh": "的年龄要求", "en": "any age requirement"},
    "answer.attr.duration": {"zh": "的期限或时长", "en": "how long"},
    "answer.attr.date": {"zh": "的具体时间", "en": "the date asked for"},
    "answer.attr.percent": {"zh": "的具体比例", "en": "the share asked for"},
    "answer.attr.count": {"zh": "的具体数量", "en": "the number asked for"},
    "answer.attr.who": {"zh": "由谁负责这一点", "en": "who does what was asked"},
    "ingest.duplicate": {"zh": "{name} 与已收录的 {existing} 内容相同，未重复收录。",
                         "en": "{name} is already indexed as {existing}; not indexed twice."},
    "answer.attr.other": {"zh": "的这一点", "en": "what was asked"},
}
