"""The one message catalogue: every user-visible string, zh-CN by default, English for `en`."""
from __future__ import annotations

DEFAULT_LANG = "zh"

CATALOGUE: dict[str, dict[str, str]] = {
    "ask.empty": {
        "zh": "请输入一个问题，例如：小区党支部设几名委员？",
        "en": "Please type a question, e.g. “How many committee members does a compound party branch have?”",
    },
    "ask.no_words": {
        "zh": "没有看懂这个问题：请用文字提问，例如：在职党员什么时候报到？",
        "en": "I could not find any words in that. Please ask in words, e.g. “When must party members check in?”",
    },
    "ask.too_long": {
        "zh": "问题太长（{length} 字，最多 {limit} 字），请只保留要问的内容。",
        "en": "That question is too long ({length} characters, at most {limit}). Please keep just the question.",
    },
    "answer.lead": {
        "zh": "",
        "en": "Clause {clause} of {doc} answers this (quoted in Chinese):",
    },
    "answer.not_covered": {
        "zh": "文件没有对此作出规定（已检索：{docs}）。",
        "en": "The directive does not cover this (searched: {docs}).",
    },
    "answer.related": {"zh": "相关条款：{items}", "en": "Related clauses: {items}"},
    "answer.source": {"zh": "出处：{doc} {path}", "en": "Source: {doc} {path}"},
    "answer.no_index": {
        "zh": "知识库里还没有文件，请先运行 assistant ingest。",
        "en": "No documents are indexed yet. Run `assistant ingest` first.",
    },
    "ingest.summary": {
        "zh": "新增 {added}，更新 {updated}，未变 {unchanged}，移除 {removed}，跳过 {skipped}；共 {chunks} 个条款块。",
        "en": "added {added}, updated {updated}, unchanged {unchanged}, removed {removed}, skipped {skipped}; {chunks} clause chunks in all.",
    },
    "ingest.skipped": {"zh": "已跳过 {name}：{reason}", "en": "skipped {name}: {reason}"},
    "cli.prompt": {"zh": "问题（空行退出）> ", "en": "question (empty line quits)> "},
    "cli.no_token": {"zh": "未配置 TELEGRAM_BOT_TOKEN；不用 Telegram 时请运行 assistant chat。", "en": "TELEGRAM_BOT_TOKEN is not set; run `assistant chat` to use the terminal instead."},
    "bot.ask_prompt": {"zh": "请输入您的问题（/cancel 取消）：", "en": "Type your question (/cancel to stop):"},
    "bot.cancelled": {"zh": "已取消。", "en": "Cancelled."},
    "bot.nothing_to_cancel": {"zh": "当前没有进行中的操作。", "en": "There is nothing to cancel."},
    "bot.related_button": {"zh": "相关条款", "en": "Related clauses"},
    "bot.related_title": {"zh": "相关条款：", "en": "Related clauses:"},
    "bot.related_none": {"zh": "没有更多相关条款。", "en": "No other related clauses."},
    "bot.welcome": {
        "zh": "您好，我是社区治理助手。可以直接问政策问题，例如：小区党支部设几名委员？\n工作人员请用协调员给的邀请码注册：/start 邀请码",
        "en": "Hello, I am the community governance assistant. Ask a policy question, e.g. “How many committee members does a branch need?”\nStaff: register with the invite code from your coordinator: /start CODE",
    },
    "bot.welcome_back": {"zh": "{name}，您好！\n{roles}", "en": "Hello {name}!\n{roles}"},
    "bot.help": {
        "zh": "可用命令：\n/ask 问题 — 查询政策条款（也可以直接发送问题）\n/whoami — 我的身份与所属单位\n/invite — 为下级生成邀请码（协调员）\n/cancel — 取消当前操作\n/start 邀请码 — 注册",
        "en": "Commands:\n/ask QUESTION — look up the directive (or just send the question)\n/whoami — your role and unit\n/invite — create an invite code (coordinators)\n/cancel — stop what you are doing\n/start CODE — register",
    },
    "bot.registered": {"zh": "注册成功：{name}，{role}（{unit}）。", "en": "Registered: {name}, {role} ({unit})."},
    "bot.code_unknown": {"zh": "邀请码无效，请核对后重试。", "en": "That invite code is not valid. Please check it and try again."},
    "bot.code_expired": {"zh": "邀请码已过期，请向协调员重新索取。", "en": "That invite code has expired. Ask your coordinator for a new one."},
    "bot.code_used": {"zh": "邀请码已被使用过，每个邀请码只能用一次。", "en": "That invite code has already been used; each code works once."},
    "bot.code_rate_limited": {"zh": "尝试次数过多，请 {minutes} 分钟后再试。", "en": "Too many attempts. Please try again in {minutes} minutes."},
    "bot.code_other_person": {"zh": "此账号已绑定其他人员，不能使用发给他人的邀请码。", "en": "This account belongs to someone else; it cannot use a code issued to another person."},
    "bot.operator_name": {"zh": "本地管理员", "en": "local operator"},
    "bot.not_registered": {"zh": "您还没有注册。请用邀请码注册：/start 邀请码", "en": "You are not registered yet. Register with: /start CODE"},
    "bot.whoami": {"zh": "{name}{phone}\n{roles}", "en": "{name}{phone}\n{roles}"},
    "bot.phone_part": {"zh": "（电话 {phone}）", "en": " (phone {phone})"},
    "bot.role_line": {"zh": "• {role}：{unit}", "en": "• {role}: {unit}"},
    "bot.denied": {"zh": "您没有权限进行此操作。", "en": "You are not allowed to do that."},
    "bot.commands.start": {"zh": "开始 / 用邀请码注册", "en": "start / register with a code"},
    "bot.commands.help": {"zh": "帮助", "en": "help"},
    "bot.commands.ask": {"zh": "查询政策条款", "en": "ask the directive"},
    "bot.commands.whoami": {"zh": "我的身份", "en": "who am I"},
    "bot.commands.invite": {"zh": "生成邀请码", "en": "create an invite code"},
    "bot.commands.cancel": {"zh": "取消当前操作", "en": "cancel"},
    "role.admin": {"zh": "管理员", "en": "administrator"},
    "role.district": {"zh": "区（县）委", "en": "district"},
    "role.street": {"zh": "街道协调员", "en": "street coordinator"},
    "role.community": {"zh": "社区协调员", "en": "community coordinator"},
    "role.branch_secretary": {"zh": "小区党支部书记", "en": "branch secretary"},
    "role.branch_member": {"zh": "支部委员", "en": "branch committee member"},
    "role.building_leader": {"zh": "楼栋长", "en": "building leader"},
    "role.household_cadre": {"zh": "联户干部", "en": "household contact cadre"},
    "role.property_liaison": {"zh": "物业联络员", "en": "property liaison"},
    "role.owners_committee": {"zh": "业委会成员", "en": "owners' committee member"},
    "role.resident": {"zh": "居民", "en": "resident"},
    # --- storage and organisation (db., org., invite.) ---
    "db.upgraded": {"zh": "数据库已升级到最新版本 {revision}：{url}", "en": "Database upgraded to revision {revision}: {url}"},
    "invite.created": {
        "zh": "邀请码：{code}\n角色：{role}（{unit}）\n有效期至：{expires}（北京时间）",
        "en": "Invite code: {code}\nRole: {role} ({unit})\nValid until: {expires} (Asia/Shanghai)",
    },
    "invite.ask_role": {"zh": "要邀请的人担任什么角色？", "en": "Which role will the invitee have?"},
    "invite.ask_unit": {"zh": "“{role}”设在哪个单位？", "en": "At which unit is the {role}?"},
    "invite.ask_unit_more": {"zh": "“{role}”设在哪个单位？（单位较多，也可以直接输入单位名称）", "en": "At which unit is the {role}? (There are more: you can also type the unit's name.)"},
    "invite.unit_unknown": {"zh": "没有找到这个单位，请重新输入或点选。", "en": "No such unit. Type it again or pick a button."},
    "invite.unit_ambiguous": {"zh": "有多个同名单位，请输入完整路径，例如：梅园社区/梅园新村", "en": "Several units have that name. Type the path, e.g. 梅园社区/梅园新村"},
    "invite.unit_not_allowed": {"zh": "您不能在这个单位授予该角色，请换一个单位。", "en": "You cannot grant that role at this unit; choose another."},
    "invite.ask_name": {"zh": "单位：{unit}\n请输入受邀人姓名（或点“跳过”）：", "en": "Unit: {unit}\nType the invitee's name (or press “Skip”):"},
    "invite.skip_name": {"zh": "跳过", "en": "Skip"},
    "invite.share": {"zh": "请把邀请码发给对方，对方向本助手发送：/start {code}", "en": "Give the code to the invitee, who sends: /start {code}"},
    "invite.for_name": {"zh": "受邀人：{name}", "en": "For: {name}"},
    "invite.not_allowed": {"zh": "您不能在“{unit}”授予“{role}”角色。", "en": "You may not grant the role {role} at {unit}."},
    "invite.role_level": {"zh": "“{role}”角色只能设在：{levels}。", "en": "The role {role} can only be bound to: {levels}."},
    "invite.unknown_role": {"zh": "未知角色 {role}，可用：{roles}", "en": "Unknown role {role}; use one of: {roles}"},
    "org.candidate": {"zh": "  编号 {id}：{path}", "en": "  id {id}: {path}"},
    "org.err.code_conflict": {"zh": "该单位已有编码 {code}，与文件中的编码不同", "en": "this unit already has the code {code}, not the one in the file"},
    "org.err.code_elsewhere": {"zh": "编码 {code} 已属于别处的单位：{path}", "en": "the code {code} already belongs to a unit elsewhere: {path}"},
    "org.err.columns": {
        "zh": "缺少列：{columns}（列名用 level/name/parent/code 或 层级/名称/上级/编码）",
        "en": "missing column(s): {columns} (use level/name/parent/code or 层级/名称/上级/编码)",
    },
    "org.err.district_parent": {"zh": "区（县）是最高一级，不能填写上级", "en": "a district is the top level and has no parent"},
    "org.err.duplicate": {"zh": "与第 {other} 行重复", "en": "duplicate of row {other}"},
    "org.err.format": {"zh": "不支持的文件类型 {suffix}（请用 .csv 或 .xlsx）", "en": "unsupported file type {suffix} (use .csv or .xlsx)"},
    "org.err.level": {
        "zh": "未知层级“{value}”（可用：区、街道、社区、小区、楼栋、户）",
        "en": "unknown level “{value}” (use district, street, community, compound, building, household)",
    },
    "org.err.name_empty": {"zh": "名称为空", "en": "the name is empty"},
    "org.err.parent_ambiguous": {"zh": "上级“{value}”对应多个同名单位，请改填上级的编码", "en": "the parent “{value}” matches several units; give its code instead"},
    "org.err.parent_level": {
        "zh": "{level}不能直接设在{parent_level}“{parent}”之下（必须正好低一级）",
        "en": "a {level} cannot be directly under the {parent_level} “{parent}” (it must be exactly one level below)",
    },
    "org.err.parent_missing": {"zh": "没有填写上级", "en": "the parent is missing"},
    "org.err.parent_not_found": {"zh": "找不到上级“{value}”（文件和数据库中都没有）", "en": "the parent “{value}” is neither in the file nor in the database"},
    "org.exported": {"zh": "已导出 {count} 个组织到 {path}。", "en": "Exported {count} units to {path}."},
    "org.import_failed": {"zh": "{path} 有 {count} 处错误，整个文件均未导入：", "en": "{path}: {count} error(s); nothing was imported:"},
    "org.imported": {"zh": "导入完成：新增 {created}，更新 {updated}，未变 {unchanged}。", "en": "Imported: {created} created, {updated} updated, {unchanged} unchanged."},
    "org.level.district": {"zh": "区（县）", "en": "district"},
    "org.level.street": {"zh": "街道", "en": "street"},
    "org.level.community": {"zh": "社区", "en": "community"},
    "org.level.compound": {"zh": "小区（网格）", "en": "compound"},
    "org.level.building": {"zh": "楼栋", "en": "building"},
    "org.level.household": {"zh": "户", "en": "household"},
    "org.row_error": {"zh": "第 {row} 行：{reason}", "en": "row {row}: {reason}"},
    "org.unit_ambiguous": {"zh": "“{unit}”对应多个组织，请改用编号或编码：\n{candidates}", "en": "“{unit}” matches several units; use an id or code:\n{candidates}"},
    "org.unit_not_found": {"zh": "找不到组织“{unit}”。", "en": "No unit “{unit}”."},
}


def t(key: str, lang: str | None = None, **values: object) -> str:
    """The message `key` in `lang` (zh or en; anything else falls back to zh), formatted."""
    entry = CATALOGUE[key]
    lang = "en" if (lang or "").lower().startswith("en") else DEFAULT_LANG
    return entry.get(lang, entry[DEFAULT_LANG]).format(**values)
