"""The chat with an LLM configured (a fake chat model on the runtime), offline, on both databases."""
import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from ..handlers.conftest import make_code
from ..handlers.test_needs import button, last
from ..helpers.offline import OfflineBot, message_update

LEADER = 801
GROUNDED = "小区（网格）党支部一般设委员3-5名，其中书记1名、副书记1-2名 [3]"


@pytest.fixture
def bot(bot_settings, tree):
    with OfflineBot(bot_settings) as running:
        code = make_code(bot_settings, tree, "building_leader", "MY01-3")
        assert "注册成功" in running.send(LEADER, f"/start {code}")[0]
        yield running


def model(*responses: str) -> FakeListChatModel:
    return FakeListChatModel(responses=list(responses))


def test_checkin_intent_points_to_checkin(bot):
    bot.runtime.llm = model('{"intent": "checkin"}')
    assert "/checkin" in bot.send(LEADER, "我上个月搬到梅园新村了，来报个到")[-1]


def test_need_intent_offers_the_form_prefilled_by_the_model(bot):
    text = "3栋电梯怎么又坏了？"  # the rules read a question here (怎么, ？)
    bot.runtime.llm = model('{"intent": "new_need"}', '{"category": "elevator", "building": "3栋", "urgent": true}')
    offer = last(bot.process(message_update(LEADER, text)), LEADER)
    assert "登记到需求清单" in offer["text"]
    step = last(bot.press(LEADER, button(offer, "登记为需求")), LEADER)
    step = last(bot.press(LEADER, button(step, "✓ 3栋")), LEADER)
    assert "需求类别" in step["text"]
    step = last(bot.press(LEADER, button(step, "✓ 电梯")), LEADER)
    step = last(bot.press(LEADER, button(step, "使用原文")), LEADER)
    assert "✓ 紧急" in [label for label, _ in bot.buttons(step)]


def test_policy_question_gets_the_checked_llm_answer(bot):
    bot.runtime.llm = model('{"intent": "policy_question"}', GROUNDED)
    reply = bot.send(LEADER, "小区党支部设几名委员")[-1]
    assert GROUNDED in reply and "由语言模型" in reply and "出处：组通〔2020〕15号" in reply
    # the exact clause text stays beside the model's words
    assert "<blockquote>" in reply and "3-5 名" in reply.split("<blockquote>")[1]


def test_unchecked_answer_and_other_intent_fall_back_to_the_rules(bot):
    bot.runtime.llm = model('{"intent": "other"}')
    assert "登记到需求清单" in bot.send(LEADER, "3号楼电梯坏了两天了，老人上下楼很不方便")[-1]
    bot.runtime.llm = model('{"intent": "policy_question"}', "根据二、（一）4. 的规定，委员3-5名 [3]")
    reply = bot.send(LEADER, "小区党支部设几名委员？")[-1]
    assert "<blockquote>" in reply or "3-5 名" in reply
    assert "由语言模型" not in reply and "4." not in reply


class RecordingModel(FakeListChatModel):
    """A fake chat model that keeps every prompt it is sent."""

    prompts: list = []

    def _call(self, messages, stop=None, run_manager=None, **kwargs):
        self.prompts.append("\n".join(str(m.content) for m in messages))
        return super()._call(messages, stop, run_manager, **kwargs)


def test_the_model_never_sees_a_residents_phone_or_id(bot):
    text = "3栋电梯坏了，住户李四电话13812345678，身份证341802199001011234，请尽快处理"
    bot.runtime.llm = RecordingModel(prompts=[], responses=['{"intent": "new_need"}',
                                                             '{"category": "elevator", "building": "3栋"}'])
    offer = last(bot.process(message_update(LEADER, text)), LEADER)
    bot.press(LEADER, button(offer, "登记为需求"))
    sent = bot.runtime.llm.prompts
    assert len(sent) == 2 and all("3栋电梯坏了" in p for p in sent)  # intent, then prefill
    assert not any("13812345678" in p or "341802199001011234" in p for p in sent)
    assert all("138****5678" in p for p in sent)
