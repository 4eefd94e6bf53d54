"""The needs loop as an operator runs it (issue 15), offline on both databases: emergencies, the refusal's
offer, places read from the text (compound, building, 单元), media and stray text in the form, ended forms'
buttons, and the card edited in place after each action."""
import itertools
import time

from assistant.storage.models import Need

from ..helpers.offline import OfflineBot, message_update, user
from .test_needs import COMMUNITY, LEADER, LIAISON, SECRETARY, button, file_elevator_need, last, team  # noqa: F401

_ids = itertools.count(900_000)


def media_update(user_id: int, kind: str, caption: str | None = None) -> dict:
    """A photo, an image sent as a file, or a sticker from the user (with an optional caption)."""
    n = next(_ids)
    media = {"photo": {"photo": [{"file_id": f"ph{n}", "file_unique_id": f"u{n}", "width": 90, "height": 90}]},
             "document": {"document": {"file_id": f"doc{n}", "file_unique_id": f"u{n}", "mime_type": "image/jpeg",
                                       "file_name": "site.jpg"}},
             "sticker": {"sticker": {"file_id": f"st{n}", "file_unique_id": f"u{n}", "type": "regular", "width": 512,
                                     "height": 512, "is_animated": False, "is_video": False}}}[kind]
    message = {"message_id": n, "date": int(time.time()), "chat": {"id": user_id, "type": "private"},
               "from": user(user_id), **media, **({"caption": caption} if caption else {})}
    return {"update_id": n, "message": message}


def texts(sent: list[dict], chat_id: int) -> list[str]:
    return [m.get("text", "") for m in sent if int(m.get("chat_id", 0)) == chat_id]


def through(bot, user_id, step, *labels, lang="zh"):
    """Press the buttons labelled `labels` one step after another; the last step's message."""
    for label in labels:
        step = last(bot.press(user_id, button(step, label), lang), user_id)
    return step


def test_an_emergency_gives_the_numbers_first_is_urgent_and_told_at_once(team, tree):
    with OfflineBot(team) as bot:
        said = texts(bot.process(message_update(LEADER, "4栋燃气管道有味道，怀疑燃气泄漏")), LEADER)
        assert "119" in said[0] and "燃气抢修" in said[0] and "登记到需求清单" in said[1]  # the numbers before the offer
        offer = last(bot.request.sent, LEADER)
        step = last(bot.press(LEADER, button(offer, "登记为需求")), LEADER)
        step = through(bot, LEADER, step, "✓ 4栋", "✓ 紧急险情", "使用原文")
        assert "紧急程度" in step["text"] and button(step, "✓ 紧急") == "nf:u:urgent"  # urgent by default
        step = through(bot, LEADER, step, "✓ 紧急", "不记录", "跳过", )
        sent = bot.press(LEADER, button(step, "提交"))
        mine = texts(sent, LEADER)
        assert "110" in mine[0] and "需求已登记" in mine[1]  # the numbers again, first
        # the responsible party (the property liaison) and the branch are told at once, marked urgent
        for chat in (LIAISON, SECRETARY):
            assert any("紧急险情" in m and "紧急" in m for m in texts(sent, chat)), chat
        # /need with the text: the numbers before the first step of the form
        said = texts(bot.process(message_update(LEADER, "/need 2栋楼道着火冒烟了")), LEADER)
        assert "119" in said[0] and "哪栋楼" in said[1]
    with tree.session() as session:
        need = session.query(Need).one()
        assert (need.category, need.urgency, need.building.name) == ("emergency", "urgent", "4栋")


def test_a_refused_question_that_reads_like_a_problem_offers_to_file_it(team):
    with OfflineBot(team) as bot:
        refusal = last(bot.process(message_update(
            LEADER, "/ask The lift in building 2 has been broken for two days", "en")), LEADER)
        assert "does not cover" in refusal["text"]
        step = last(bot.press(LEADER, button(refusal, "File as a need"), "en"), LEADER)
        assert "Which building" in step["text"] and button(step, "✓ 2栋")  # the form, prefilled from the text
        refusal = last(bot.process(message_update(LEADER, "/ask 明天天气怎么样")), LEADER)
        assert "没有对此作出规定" in refusal["text"] and "登记为需求" not in str(refusal["reply_markup"])  # a question
        said = texts(bot.process(message_update(LEADER, "/ask 4栋燃气管道有味道")), LEADER)
        assert "119" in said[0] and "没有对此作出规定" in said[1]  # an emergency: the numbers before the refusal
        assert button(last(bot.request.sent, LEADER), "登记为需求") == "nf:offer"


def test_a_building_not_in_the_tree_is_said_and_the_picker_shown(team):
    with OfflineBot(team) as bot:
        for text, lang, said in (("7栋电梯坏了，一直停在一楼", "zh", "梅园新村没有7栋，请选择"),
                                 ("The lift in building 7 is broken", "en", "梅园新村 has no building 7")):
            offer = last(bot.process(message_update(LEADER, text, lang)), LEADER)
            step = last(bot.press(LEADER, button(offer, "登记") if lang == "zh" else button(offer, "File"), lang), LEADER)
            assert said in step["text"] and button(step, "4栋") and "✓" not in str(step["reply_markup"])
            bot.send(LEADER, "/cancel")
        offer = last(bot.process(message_update(LEADER, "3栋电梯坏了，一直停在一楼")), LEADER)
        step = last(bot.press(LEADER, button(offer, "登记为需求")), LEADER)
        assert "没有" not in step["text"] and button(step, "✓ 3栋")


def test_the_entrance_is_read_edited_shown_and_stored(team, tree):
    with OfflineBot(team) as bot:
        offer = last(bot.process(message_update(LEADER, "3栋2单元电梯坏了，老人下不了楼")), LEADER)
        step = last(bot.press(LEADER, button(offer, "登记为需求")), LEADER)
        step = through(bot, LEADER, step, "✓ 3栋", "✓ 电梯", "使用原文", "一般", "不记录", "跳过")
        assert "3栋 2单元" in step["text"]
        step = last(bot.press(LEADER, button(step, "修改：单元")), LEADER)
        assert "哪个单元" in step["text"] and button(step, "✓ 2单元")
        assert "单元号不对" in texts(bot.process(message_update(LEADER, "门口")), LEADER)[0]
        step = last(bot.process(message_update(LEADER, "5单元")), LEADER)
        assert "请确认需求" in step["text"] and "3栋 5单元" in step["text"]
        filed = last(bot.press(LEADER, button(step, "提交")), LEADER)
        assert "需求已登记" in filed["text"]
        notice = [m for m in bot.request.sent if m.get("chat_id") == LIAISON][-1]
        need_id = int(notice["text"].split("/need_", 1)[1].split()[0])
        assert "梅园新村 3栋 5单元" in bot.send(LIAISON, f"/need_{need_id}")[0]
        # no building: no entrance kept
        offer = last(bot.process(message_update(LEADER, "小区2单元门口路灯坏了好几天")), LEADER)
        step = last(bot.press(LEADER, button(offer, "登记为需求")), LEADER)
        step = through(bot, LEADER, step, "不指定楼栋", "✓ 设施维修", "使用原文", "一般", "不记录", "跳过")
        assert "单元" not in step["text"].split("楼栋：")[1].split("\n")[0]
        assert "修改：单元" not in str(step["reply_markup"])  # an entrance belongs to a building
        bot.press(LEADER, button(step, "提交"))
    with tree.session() as session:
        assert {(n.building.name if n.building else None, n.entrance) for n in session.query(Need)} == \
            {("3栋", 5), (None, None)}


def test_the_compound_named_in_the_text_is_marked_in_the_picker(team):
    with OfflineBot(team) as bot:
        offer = last(bot.process(message_update(COMMUNITY, "锦绣华庭2栋电梯坏了两天")), COMMUNITY)
        step = last(bot.press(COMMUNITY, button(offer, "登记为需求")), COMMUNITY)
        assert "哪个小区" in step["text"]
        marked = [label for label, _ in bot.buttons(step) if label.startswith("✓")]
        assert len(marked) == 1 and marked[0].endswith("锦绣华庭")
        step = last(bot.press(COMMUNITY, button(step, "✓")), COMMUNITY)
        assert button(step, "✓ 2栋")


def test_the_description_step_refuses_emoji_takes_a_captioned_photo_and_explains_stickers(team, tree):
    with OfflineBot(team) as bot:
        step = last(bot.process(message_update(LEADER, "/need")), LEADER)
        step = through(bot, LEADER, step, "3栋", "漏水")
        assert "没有文字" in texts(bot.process(message_update(LEADER, "😭😭😭！！！")), LEADER)[0]
        for kind, caption in (("sticker", None), ("photo", None), ("sticker", "3栋漏水")):
            said = texts(bot.process(media_update(LEADER, kind, caption)), LEADER)
            assert "请用文字描述问题" in said[0] and "请描述问题" in said[-1], kind
        step = last(bot.process(media_update(LEADER, "document", "3栋302室卫生间漏水到楼下")), LEADER)
        assert "紧急程度" in step["text"]
        step = through(bot, LEADER, step, "一般", "不记录")  # the photo step is skipped: it came with the text
        assert "请确认需求" in step["text"] and "照片：有" in step["text"] and "卫生间漏水" in step["text"]
        bot.press(LEADER, button(step, "提交"))
        step = last(bot.process(message_update(LEADER, "/need")), LEADER)
        step = through(bot, LEADER, step, "1栋", "漏水")
        step = last(bot.process(media_update(LEADER, "photo", "1栋楼顶漏水，墙面发霉")), LEADER)
        assert "紧急程度" in step["text"]
    with tree.session() as session:
        assert [n.photo_file_id[:3] for n in session.query(Need)] == ["doc"]
        assert bot.app.user_data[LEADER]["need_draft"]["photo_file_id"].startswith("ph")


def test_text_at_a_button_step_says_what_to_press_and_answers_only_questions(team):
    with OfflineBot(team) as bot:
        step = last(bot.process(message_update(LEADER, "/need")), LEADER)
        said = texts(bot.process(message_update(LEADER, "3栋吧")), LEADER)
        assert "请点上面消息里的按钮" in said[0] and "/cancel" in said[0] and "哪栋楼" in said[1]
        said = texts(bot.process(message_update(LEADER, "在职党员怎么报到")), LEADER)  # a question: answered
        assert "报到" in said[0] and "按钮" not in said[0] and "哪栋楼" in said[-1]
        said = texts(bot.process(message_update(LEADER, "this one", "en")), LEADER)
        assert "press one of the buttons" in said[0] and "Which building" in said[-1]
        step = through(bot, LEADER, step, "3栋", "电梯")
        step = last(bot.process(message_update(LEADER, "3栋电梯按钮失灵，经常停在半层")), LEADER)
        step = through(bot, LEADER, step, "一般", "不记录")
        assert "照片" in step["text"]
        said = texts(bot.process(message_update(LEADER, "没有照片")), LEADER)
        assert "请发送照片" in said[0] and "跳过" in said[0] and "照片" in said[1]
        english = texts(bot.process(message_update(LEADER, "no photo", "en")), LEADER)
        assert "send one, or press" in english[0]


def test_a_button_of_an_ended_form_is_answered(team):
    with OfflineBot(team) as bot:
        step = last(bot.process(message_update(LEADER, "/need")), LEADER)
        bot.send(LEADER, "/cancel")
        for data, lang, text in ((button(step, "3栋"), "zh", "这个表单已结束，按钮已失效。"), ("nf:submit", "en", "This form has ended; the button is no longer valid."),
                                 ("nc:v:1", "zh", "这个表单已结束，按钮已失效。"), ("ck:anything", "zh", "这个表单已结束，按钮已失效。")):
            before = len(bot.request.calls)
            bot.press(LEADER, data, lang)
            answers = [c for c in bot.request.calls[before:] if c["method"] == "answerCallbackQuery"]
            assert [a.get("text") for a in answers] == [text], data


def edits(bot, before: int) -> list[dict]:
    """The editMessageText calls since call number `before`, with the message id they edit."""
    return [c for c in bot.request.calls[before:] if c["method"] == "editMessageText"]


def test_the_card_is_edited_in_place_after_each_action_and_shows_the_visit_answers(team):
    with OfflineBot(team) as bot:
        file_elevator_need(bot)
        notice = [m for m in bot.request.sent if m.get("chat_id") == LIAISON][-1]
        need_id = int(notice["text"].split("/need_", 1)[1].split()[0])
        card = last(bot.process(message_update(LIAISON, f"/need_{need_id}")), LIAISON)
        assert [label for label, _ in bot.buttons(card)] == ["签收", "退回"]
        before = len(bot.request.calls)
        bot.press(LIAISON, button(card, "签收"), message_id=card["message_id"])
        edit = edits(bot, before)
        assert len(edit) == 1 and edit[0]["message_id"] == card["message_id"] and "已签收" in edit[0]["text"]
        assert [label for label, _ in bot.buttons(edit[0])] == ["报告进展", "办结", "退回"]
        bot.press(LIAISON, f"nc:resolve:{need_id}", message_id=card["message_id"])
        before = len(bot.request.calls)
        sent = bot.process(message_update(LIAISON, "更换了门机板，电梯已恢复运行"))
        edit = edits(bot, before)
        assert edit and edit[0]["message_id"] == card["message_id"] and "更换了门机板" in edit[0]["text"]
        assert bot.buttons(edit[0]) == [("回访", f"nc:visit:{need_id}")]
        # the return visit from the notice's button: the notice is not edited into a card
        resolved = last(sent, LEADER)
        bot.press(LEADER, button(resolved, "回访"), message_id=resolved["message_id"])
        bot.press(LEADER, "nc:v:1")
        bot.press(LEADER, "nc:v:1")
        before = len(bot.request.calls)
        bot.press(LEADER, "nc:v:basically")
        assert not edits(bot, before)
        card = bot.send(LIAISON, f"/need_{need_id}")[0]
        assert "回访：已联系 是，已解决 是，基本满意" in card
        # a list button opens a card; its actions are not edits of the list
        listing = last(bot.process(message_update(SECRETARY, "/todo")), SECRETARY)
        assert "目前没有" in listing["text"]
