#!/usr/bin/env node
/*
 * Telegram Bot API emulator for the end-to-end bot tests.
 *
 * Runs the npm package `telegram-test-api` (pinned in package.json) on 127.0.0.1 and puts an express
 * app in front of it that serves every bot method python-telegram-bot 22 needs, so that PTB can poll it
 * with ApplicationBuilder().base_url("http://127.0.0.1:PORT/bot").base_file_url(".../file/bot").
 *
 *   node start.js [PORT] [--exit-on-stdin-close]      (PORT also from $EMULATOR_PORT; 0 = any free port)
 *
 * Prints one line "ready http://127.0.0.1:PORT" on stdout once it listens.
 *
 * What stays the package's: its message storage (server.storage.userMessages / botMessages, as
 * {time, botToken, updateId, messageId, isRead, message | callbackQuery}) and its client API
 * (POST /sendMessage, /sendCommand, /sendCallback, /getUpdates, /getUpdatesHistory).
 *
 * What this file changes (see /work/shared/notes/TELEGRAM-EMULATOR.md for the incompatibilities):
 *  1. getMe is served here, with is_bot: true (the package's lacks it).
 *  2. sendMessage answers a clean Message whose `date` is in seconds (the package echoes the request
 *     with `date` in milliseconds and string fields such as link_preview_options).
 *  3. Updates are formatted here: callback_query gets chat_instance, and its `message` is the stored
 *     bot message (text, inline keyboard, date in seconds) when the client names an existing one.
 *  4. editMessageText / editMessageReplyMarkup edit the stored message and answer the edited Message
 *     (Telegram's own answer for non-inline messages; `true` for inline_message_id), never null. As on
 *     Telegram, an edit that changes nothing is "Bad Request: message is not modified", an edit of an
 *     unknown message is "Bad Request: message to edit not found", and editMessageText without
 *     reply_markup removes the inline keyboard.
 *  5. Stubs: setMyCommands / getMyCommands / deleteMyCommands (stored per bot), sendChatAction,
 *     answerCallbackQuery (recorded, see POST /getCallbackAnswers), deleteWebhook, setWebhook,
 *     getWebhookInfo, deleteMessage, a few set* methods, sendPhoto and sendDocument (multipart through
 *     multer, or a file_id/URL string: recorded as a bot message with caption and file name, answered
 *     with a proper Message), getFile and the file download route GET /file/bot<token>/<file_path>.
 *     Any other method answers HTTP 400 "The test emulator does not implement the Bot API method X", which PTB
 *     raises as telegram.error.BadRequest (the package answered 500, which PTB reads as a network error).
 *  6. Webhooks (setWebhook with a url): updates are POSTed in order with the
 *     X-Telegram-Bot-Api-Secret-Token header PTB checks, stay in the history, and an update whose
 *     delivery failed waits for the next setWebhook (or getUpdates after deleteWebhook), as on Telegram.
 *     The package sent no secret header and crashed node on a failed delivery (unhandled rejection).
 *  7. getUpdates honours offset (confirms updates below it, as Telegram does: an update is only
 *     "read" once the bot asks with a higher offset, so an update fetched by a bot that then stopped is
 *     delivered again to the next one), limit, allowed_updates and timeout (long polling: an idle bot
 *     waits on the connection instead of spinning). deleteWebhook honours drop_pending_updates.
 *
 * Extra client routes (JSON POST, like the package's):
 *   /sendDocument {botToken, chat, from, file_name, mime_type, content_base64, caption}  user sends a file
 *   /sendPhoto    {botToken, chat, from, content_base64, caption}                        user sends a photo
 *   /getCallbackAnswers {token}   answerCallbackQuery calls of that bot, oldest first
 *   /getMyCommands {token}        what the bot set with setMyCommands
 */
'use strict';

const http = require('http');
const express = require('express');
const multer = require('multer');
const TelegramServer = require('telegram-test-api');

const HOST = '127.0.0.1';
const argv = process.argv.slice(2);
const portArg = argv.find((a) => /^\d+$/.test(a));
const PORT = Number(portArg !== undefined ? portArg : (process.env.EMULATOR_PORT || 9000));
const EXIT_ON_STDIN_CLOSE = argv.includes('--exit-on-stdin-close');
const BOT_USERNAME = process.env.EMULATOR_BOT_USERNAME || 'emulator_test_bot';
const MAX_LONG_POLL_S = 50;

// The package's server: storage, client routes, webhooks. Its own http server is never started (we
// listen with the front app below), so its clean-up daemon, which drops messages after storeTimeout,
// never runs either: a test session keeps its whole history.
const tg = new TelegramServer({ port: PORT, host: HOST, storeTimeout: 24 * 3600 });
tg.setMaxListeners(0);

const log = (...args) => process.stderr.write(`[emulator] ${args.join(' ')}\n`);
const nowSeconds = () => Math.floor(Date.now() / 1000);

// ---------------------------------------------------------------------------------------------------
// helpers

function botUser(token) {
  const id = Number(String(token).split(':')[0]);
  return {
    id: Number.isFinite(id) && id > 0 ? id : 666,
    is_bot: true,
    first_name: 'Emulator Test Bot',
    username: BOT_USERNAME,
  };
}

function parseJsonField(value) {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch (_e) {
    return value;
  }
}

function bool(value) {
  return value === true || value === 'true' || value === 'True' || value === '1' || value === 1;
}

function ok(res, result) {
  res.json({ ok: true, result });
}

function badRequest(res, description, code = 400) {
  res.status(code).json({ ok: false, error_code: code, description });
}

function findBotEntry(token, chatId, messageId) {
  return tg.storage.botMessages.find((u) => u.botToken === token
    && String(u.messageId) === String(messageId)
    && String(u.message.chat_id) === String(chatId));
}

function stableJson(value) {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).filter((k) => value[k] !== undefined).sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function inlineMarkup(markup) {
  return markup && typeof markup === 'object' && Array.isArray(markup.inline_keyboard) ? markup : undefined;
}

// A stored bot message (the package's format) -> a Telegram `Message` object PTB can read.
function toTelegramMessage(entry) {
  const m = entry.message;
  const chatId = Number(m.chat_id);
  const out = {
    message_id: entry.messageId,
    date: Math.floor(entry.time / 1000),
    chat: { id: chatId, type: chatId < 0 ? 'group' : 'private' },
    from: botUser(entry.botToken),
  };
  if (chatId < 0) out.chat.title = 'Emulated group';
  else out.chat.first_name = 'User';
  if (m.edit_date) out.edit_date = m.edit_date;
  if (typeof m.text === 'string') out.text = m.text;
  if (Array.isArray(m.entities)) out.entities = m.entities;
  if (typeof m.caption === 'string') out.caption = m.caption;
  if (Array.isArray(m.caption_entities)) out.caption_entities = m.caption_entities;
  if (m.photo) out.photo = m.photo;
  if (m.document) out.document = m.document;
  const markup = inlineMarkup(m.reply_markup);
  if (markup) out.reply_markup = markup;
  return out;
}

// Store a bot message through the package (so its client API sees it) and answer the Message.
function addBotMessage(token, fields) {
  const message = { ...fields };
  for (const key of ['reply_markup', 'entities', 'caption_entities']) {
    if (key in message) message[key] = parseJsonField(message[key]);
  }
  tg.addBotMessage(message, token);
  const entry = tg.storage.botMessages[tg.storage.botMessages.length - 1];
  return toTelegramMessage(entry);
}

// ---------------------------------------------------------------------------------------------------
// 3. update formatting (used by the webhook delivery and by getUpdates)

TelegramServer.formatUpdate = function formatUpdate(update) {
  if ('callbackQuery' in update) {
    const cq = update.callbackQuery;
    let message = cq.message;
    if (message && message.message_id !== undefined) {
      const chatId = message.chat ? message.chat.id : message.chat_id;
      const stored = findBotEntry(update.botToken, chatId, message.message_id);
      if (stored) {
        message = toTelegramMessage(stored);
      } else {
        message = { ...message };
        if (typeof message.date === 'number' && message.date > 1e11) message.date = Math.floor(message.date / 1000);
      }
    }
    const chatInstanceOf = message && message.chat ? message.chat.id : (cq.from && cq.from.id);
    const out = {
      update_id: update.updateId,
      callback_query: {
        id: String(update.callbackId),
        from: cq.from,
        chat_instance: cq.chat_instance || String(chatInstanceOf),
        data: cq.data,
      },
    };
    if (message) out.callback_query.message = message;
    return out;
  }
  const message = { ...update.message, message_id: update.messageId };
  delete message.botToken;
  if (typeof message.date !== 'number') message.date = Math.floor(update.time / 1000);
  else if (message.date > 1e11) message.date = Math.floor(message.date / 1000);
  if (!Array.isArray(message.entities) && Array.isArray(update.entities)) message.entities = update.entities;
  return { update_id: update.updateId, message };
};

// ---------------------------------------------------------------------------------------------------
// webhook delivery: the package POSTs with axios, without the secret token header (PTB's webhook server
// then answers 403), awaits the delivery inside the client route (which does not catch: one failed
// delivery was an unhandled rejection, fatal to node) and keeps no record. Here: the update is stored
// (history shows it), delivered in order per bot with X-Telegram-Bot-Api-Secret-Token, failures logged.

const deliveries = {};               // token -> promise chain, so a bot gets its updates in order

function deliver(token, update) {
  const hook = tg.webhooks[token];
  if (!hook) return;
  update.isRead = true;              // in flight; pending again if the delivery fails
  const body = JSON.stringify(TelegramServer.formatUpdate(update));
  const headers = { 'content-type': 'application/json' };
  if (hook.secret_token) headers['X-Telegram-Bot-Api-Secret-Token'] = hook.secret_token;
  const previous = deliveries[token] || Promise.resolve();
  deliveries[token] = previous.then(async () => {
    try {
      const response = await fetch(hook.url, { method: 'POST', headers, body });
      if (response.ok) return;
      log(`webhook ${hook.url} answered HTTP ${response.status} to update ${update.updateId}`);
    } catch (err) {
      log(`webhook ${hook.url} failed for update ${update.updateId}: ${err.message}`);
    }
    update.isRead = false;           // as Telegram: kept, delivered again when a webhook is set again
  });
}

tg.addUserUpdate = function addUserUpdate(update) {
  if (!update || !update.botToken) {
    return Promise.reject(new Error('The message must be of type object and must contain `botToken` field.'));
  }
  this.storage.userMessages.push(update);
  this.updateId += 1;
  deliver(update.botToken, update);
  return Promise.resolve();
};

process.on('unhandledRejection', (err) => log(`unhandled rejection: ${err && err.stack ? err.stack : err}`));

// ---------------------------------------------------------------------------------------------------
// the front app

const app = express();
app.disable('x-powered-by');
app.use(express.json({ limit: '50mb' }));
app.use(express.urlencoded({ extended: true, limit: '50mb' }));
const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 50 * 1024 * 1024 } }).any();

const callbackAnswers = [];          // {botToken, time, callback_query_id, text, show_alert, url, cache_time}
const myCommands = {};               // token -> {scopeKey -> [BotCommand]}
const files = new Map();             // file_id -> {file_id, file_unique_id, file_path, file_size, buffer, mime_type, file_name}
let fileCounter = 0;

function storeFile({ buffer, fileName, mimeType, kind }) {
  fileCounter += 1;
  const safeName = String(fileName || `file_${fileCounter}`).replace(/[^\w.\-]+/g, '_');
  const file = {
    file_id: `emu-${kind}-${fileCounter}`,
    file_unique_id: `emu-u${fileCounter}`,
    file_path: `${kind === 'photo' ? 'photos' : 'documents'}/${fileCounter}_${safeName}`,
    file_size: buffer ? buffer.length : 0,
    buffer: buffer || Buffer.alloc(0),
    mime_type: mimeType || 'application/octet-stream',
    file_name: fileName,
  };
  files.set(file.file_id, file);
  return file;
}

function imageSize(buffer) {
  if (!buffer || buffer.length < 24) return { width: 0, height: 0 };
  // PNG: signature then IHDR (width, height as big-endian uint32)
  if (buffer.readUInt32BE(0) === 0x89504e47) return { width: buffer.readUInt32BE(16), height: buffer.readUInt32BE(20) };
  // JPEG: walk the segments to the first SOFn marker
  if (buffer[0] === 0xff && buffer[1] === 0xd8) {
    let i = 2;
    while (i + 9 < buffer.length) {
      if (buffer[i] !== 0xff) { i += 1; continue; }
      const marker = buffer[i + 1];
      const len = buffer.readUInt16BE(i + 2);
      if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
        return { width: buffer.readUInt16BE(i + 7), height: buffer.readUInt16BE(i + 5) };
      }
      i += 2 + len;
    }
  }
  return { width: 0, height: 0 };
}

function photoSizes(file) {
  const { width, height } = imageSize(file.buffer);
  return [{ file_id: file.file_id, file_unique_id: file.file_unique_id, width, height, file_size: file.file_size }];
}

function documentObject(file) {
  const doc = { file_id: file.file_id, file_unique_id: file.file_unique_id, file_size: file.file_size, mime_type: file.mime_type };
  if (file.file_name) doc.file_name = file.file_name;
  return doc;
}

// A media parameter: an uploaded multipart part, a known file_id, or a URL / unknown string.
function mediaFile(req, field, kind) {
  const part = (req.files || []).find((f) => f.fieldname === field);
  if (part) return storeFile({ buffer: part.buffer, fileName: part.originalname, mimeType: part.mimetype, kind });
  const value = req.body[field];
  if (typeof value !== 'string' || value === '') return null;
  if (files.has(value)) return files.get(value);
  if (value.startsWith('attach://')) return null;
  const name = value.split('/').pop().split('?')[0] || undefined;
  return storeFile({ buffer: null, fileName: name, mimeType: undefined, kind });
}

// ---------------------------------------------------------------------------------------------------
// 6. getUpdates with offset / limit / allowed_updates / timeout

function updateType(update) {
  return 'callbackQuery' in update ? 'callback_query' : 'message';
}

function pendingUpdates(token, offset, allowed) {
  return tg.storage.userMessages.filter((u) => {
    if (u.botToken !== token || u.isRead) return false;
    if (offset !== null && u.updateId < offset) {
      u.isRead = true;            // confirmed by the bot
      return false;
    }
    if (allowed && !allowed.includes(updateType(u))) {
      u.isRead = true;            // Telegram never delivers a type the bot did not ask for
      return false;
    }
    return true;
  }).sort((a, b) => a.updateId - b.updateId);
}

const USER_EVENTS = ['AddedUserMessage', 'AddedUserCommand', 'AddedUserCallbackQuery'];

function getUpdatesRoute(req, res) {
  const token = req.params.token;
  const p = { ...req.query, ...req.body };
  const offsetNum = p.offset === undefined || p.offset === '' ? null : Number(p.offset);
  const offset = Number.isFinite(offsetNum) && offsetNum > 0 ? offsetNum : null;
  let limit = p.limit === undefined ? 100 : Number(p.limit);
  if (!Number.isFinite(limit) || limit < 1 || limit > 100) limit = 100;
  let allowed = parseJsonField(p.allowed_updates);
  if (!Array.isArray(allowed) || allowed.length === 0) allowed = null;
  let timeout = p.timeout === undefined ? 0 : Number(p.timeout);
  if (!Number.isFinite(timeout) || timeout < 0) timeout = 0;
  timeout = Math.min(timeout, MAX_LONG_POLL_S);

  const answer = () => pendingUpdates(token, offset, allowed).slice(0, limit).map((u) => TelegramServer.formatUpdate(u));
  const first = answer();
  if (first.length > 0 || timeout === 0) {
    ok(res, first);
    return;
  }
  let done = false;
  let timer = null;
  const finish = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    USER_EVENTS.forEach((e) => tg.off(e, onUpdate));
    if (!res.writableEnded && !res.destroyed) ok(res, answer());
  };
  // the package emits its events before the update is fully stored: answer on the next tick
  const onUpdate = () => setImmediate(finish);
  USER_EVENTS.forEach((e) => tg.on(e, onUpdate));
  timer = setTimeout(finish, timeout * 1000);
  res.on('close', () => {          // the bot gave up (stop(), cancelled task): forget this poll
    if (done) return;
    done = true;
    clearTimeout(timer);
    USER_EVENTS.forEach((e) => tg.off(e, onUpdate));
  });
}

// ---------------------------------------------------------------------------------------------------
// bot methods

const bot = {};

bot.getMe = (req, res) => ok(res, {
  ...botUser(req.params.token),
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
});

bot.logOut = (req, res) => ok(res, true);
bot.close = (req, res) => ok(res, true);

bot.getUpdates = getUpdatesRoute;

bot.sendMessage = (req, res) => {
  const b = req.body;
  if (b.chat_id === undefined || b.chat_id === '') return badRequest(res, 'Bad Request: chat_id is empty');
  if (typeof b.text !== 'string' || b.text.length === 0) return badRequest(res, 'Bad Request: message text is empty');
  return ok(res, addBotMessage(req.params.token, b));
};

function sendMedia(kind) {
  return (req, res) => {
    const b = req.body;
    if (b.chat_id === undefined || b.chat_id === '') return badRequest(res, 'Bad Request: chat_id is empty');
    const file = mediaFile(req, kind, kind);
    if (!file) return badRequest(res, `Bad Request: there is no ${kind} in the request`);
    const fields = { ...b, file_name: file.file_name };
    delete fields[kind];
    if (kind === 'photo') fields.photo = photoSizes(file);
    else fields.document = documentObject(file);
    return ok(res, addBotMessage(req.params.token, fields));
  };
}
bot.sendPhoto = sendMedia('photo');
bot.sendDocument = sendMedia('document');

bot.getFile = (req, res) => {
  const file = files.get(String(req.body.file_id));
  if (!file) return badRequest(res, 'Bad Request: invalid file_id');
  return ok(res, {
    file_id: file.file_id, file_unique_id: file.file_unique_id, file_size: file.file_size, file_path: file.file_path,
  });
};

function editMessage(kind) {
  return (req, res) => {
    const token = req.params.token;
    const b = req.body;
    if (b.inline_message_id) return ok(res, true);
    const entry = findBotEntry(token, b.chat_id, b.message_id);
    if (!entry) return badRequest(res, 'Bad Request: message to edit not found');
    const next = { ...entry.message };
    const markup = parseJsonField(b.reply_markup);
    if (kind === 'text') {
      if (typeof b.text !== 'string' || b.text.length === 0) return badRequest(res, 'Bad Request: message text is empty');
      next.text = b.text;
      if ('entities' in b) next.entities = parseJsonField(b.entities); else delete next.entities;
      if ('parse_mode' in b) next.parse_mode = b.parse_mode; else delete next.parse_mode;
    } else if (kind === 'caption') {
      if ('caption' in b) next.caption = b.caption; else delete next.caption;
    }
    if (inlineMarkup(markup)) next.reply_markup = markup;
    else delete next.reply_markup;          // Telegram drops the inline keyboard when none is passed
    delete next.edit_date;
    const { edit_date: _ignored, ...previous } = entry.message;
    if (stableJson(next) === stableJson(previous)) {
      return badRequest(res, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
    }
    next.edit_date = nowSeconds();
    entry.message = next;
    entry.edits = (entry.edits || 0) + 1;
    tg.emit(kind === 'markup' ? 'EditedMessageReplyMarkup' : 'EditedMessageText');
    return ok(res, toTelegramMessage(entry));
  };
}
bot.editMessageText = editMessage('text');
bot.editMessageCaption = editMessage('caption');
bot.editMessageReplyMarkup = editMessage('markup');

bot.deleteMessage = (req, res) => {
  const deleted = tg.deleteMessage(Number(req.body.chat_id), Number(req.body.message_id));
  if (!deleted) return badRequest(res, 'Bad Request: message to delete not found');
  return ok(res, true);
};

bot.answerCallbackQuery = (req, res) => {
  const b = req.body;
  callbackAnswers.push({
    botToken: req.params.token,
    time: Date.now(),
    callback_query_id: String(b.callback_query_id),
    text: b.text,
    show_alert: bool(b.show_alert),
    url: b.url,
    cache_time: b.cache_time === undefined ? undefined : Number(b.cache_time),
  });
  return ok(res, true);
};

bot.sendChatAction = (req, res) => ok(res, true);

function scopeKey(b) {
  return JSON.stringify([parseJsonField(b.scope) || { type: 'default' }, b.language_code || '']);
}
bot.setMyCommands = (req, res) => {
  const token = req.params.token;
  const commands = parseJsonField(req.body.commands);
  if (!Array.isArray(commands)) return badRequest(res, "Bad Request: can't parse commands JSON object");
  myCommands[token] = myCommands[token] || {};
  myCommands[token][scopeKey(req.body)] = commands;
  return ok(res, true);
};
bot.getMyCommands = (req, res) => ok(res, (myCommands[req.params.token] || {})[scopeKey(req.body)] || []);
bot.deleteMyCommands = (req, res) => {
  if (myCommands[req.params.token]) delete myCommands[req.params.token][scopeKey(req.body)];
  return ok(res, true);
};
for (const name of ['setMyDescription', 'setMyShortDescription', 'setMyName', 'setChatMenuButton',
  'setMyDefaultAdministratorRights']) {
  bot[name] = (req, res) => ok(res, true);
}
bot.getChatMenuButton = (req, res) => ok(res, { type: 'default' });

bot.setWebhook = (req, res) => {
  const hook = req.body.url ? req.body : req.query;
  if (!hook.url) {                 // Telegram: an empty url removes the webhook
    tg.deleteWebhook(req.params.token);
    return ok(res, true);
  }
  const token = req.params.token;
  tg.setWebhook({ ...hook }, token);
  if (bool(hook.drop_pending_updates)) pendingUpdates(token, Number.MAX_SAFE_INTEGER, null);
  ok(res, true);
  // updates that waited (no bot, or a failed delivery) go to the new webhook, after this answer
  setTimeout(() => pendingUpdates(token, null, null).forEach((u) => deliver(token, u)), 50);
  return undefined;
};
bot.deleteWebhook = (req, res) => {
  tg.deleteWebhook(req.params.token);
  if (bool(req.body.drop_pending_updates)) pendingUpdates(req.params.token, Number.MAX_SAFE_INTEGER, null);
  return ok(res, true);
};
bot.getWebhookInfo = (req, res) => {
  const hook = tg.webhooks[req.params.token];
  return ok(res, {
    url: hook ? hook.url : '',
    has_custom_certificate: false,
    pending_update_count: hook ? 0 : pendingUpdates(req.params.token, null, null).length,
  });
};

app.all('/bot:token/:method', (req, res, next) => {
  if (req.method !== 'GET' && req.method !== 'POST') {
    return badRequest(res, `HTTP method ${req.method} is not allowed by the Bot API`, 405);
  }
  const handler = Object.prototype.hasOwnProperty.call(bot, req.params.method) ? bot[req.params.method] : null;
  if (!handler) {
    log(`unimplemented bot method ${req.params.method}`);
    // no "Bad Request: " prefix: PTB would strip it and lower-case the rest, method name included
    return badRequest(res, `The test emulator does not implement the Bot API method ${req.params.method} (tests/helpers/emulator/start.js)`);
  }
  return upload(req, res, (err) => {
    if (err) return next(err);
    req.body = req.body || {};
    return handler(req, res, next);
  });
});

// file downloads: base_file_url + token + "/" + file_path
app.get(/^\/file\/bot([^/]+)\/(.+)$/, (req, res) => {
  const path = decodeURIComponent(req.params[1]);
  const file = [...files.values()].find((f) => f.file_path === path);
  if (!file) return res.status(404).json({ ok: false, error_code: 404, description: 'Not Found' });
  res.type(file.mime_type);
  return res.send(file.buffer);
});

// ---------------------------------------------------------------------------------------------------
// extra client routes

function userFileRoute(kind) {
  return async (req, res, next) => {
    try {
      const b = req.body;
      if (!b.botToken || !b.chat || !b.from) return badRequest(res, 'botToken, chat and from are required');
      const buffer = Buffer.from(b.content_base64 || '', 'base64');
      const file = storeFile({ buffer, fileName: b.file_name, mimeType: b.mime_type, kind });
      const message = {
        botToken: b.botToken, date: b.date || nowSeconds(), chat: b.chat, from: b.from,
      };
      if (b.caption) message.caption = b.caption;
      if (kind === 'photo') message.photo = photoSizes(file);
      else message.document = documentObject(file);
      await tg.addUserMessage(message);
      return ok(res, { file_id: file.file_id });
    } catch (e) {
      return next(e);
    }
  };
}
app.post('/sendDocument', userFileRoute('document'));
app.post('/sendPhoto', userFileRoute('photo'));
app.post('/getCallbackAnswers', (req, res) => ok(res, callbackAnswers.filter((a) => a.botToken === req.body.token)));
app.post('/getMyCommands', (req, res) => ok(res, myCommands[req.body.token] || {}));

// everything else: the package's own app (client routes sendMessage / sendCommand / sendCallback /
// getUpdates / getUpdatesHistory, and its "Route not found")
app.use(tg.webServer);

// eslint-disable-next-line no-unused-vars
app.use((err, req, res, _next) => {
  log(`error on ${req.method} ${req.url}: ${err && err.stack ? err.stack : err}`);
  if (!res.headersSent) res.status(500).json({ ok: false, error_code: 500, description: `Internal Server Error: ${err}` });
});

// ---------------------------------------------------------------------------------------------------

const server = http.createServer(app);
server.keepAliveTimeout = 65 * 1000;
server.on('error', (err) => {
  log(`cannot listen on ${HOST}:${PORT}: ${err.message}`);
  process.exit(1);
});
server.listen(PORT, HOST, () => {
  const { port } = server.address();
  tg.config.port = port;
  tg.config.apiURL = `http://${HOST}:${port}`;
  tg.started = true;
  process.stdout.write(`ready http://${HOST}:${port}\n`);
});

let stopping = false;
function shutdown(why) {
  if (stopping) return;
  stopping = true;
  log(`stopping (${why})`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
if (EXIT_ON_STDIN_CLOSE) {
  process.stdin.on('end', () => shutdown('stdin closed'));
  process.stdin.on('error', () => shutdown('stdin error'));
  process.stdin.resume();
}
