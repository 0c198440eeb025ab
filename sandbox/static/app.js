// The sandbox web chat: a Telegram-like client for the Bot API emulator.
//
// It talks to the emulator's control API through the bot's web server (/sandbox/api/emu/...),
// plays the simulated people (/sandbox/api/cast), and follows what the bot does with a long
// poll of the emulator's events. The bot's HTML is parsed (never injected) and rebuilt from
// Telegram's tags only; everything else is text.
"use strict";

(() => {
  const API = "/sandbox/api";
  const EMU = `${API}/emu`;
  const LANGUAGES = { en: "English", vi: "Tiếng Việt" };

  const state = {
    world: null,          // "instance:generation" of the sandbox on show
    epoch: 0,             // which event loop is the current one
    bot: null,
    chats: [],            // from /cast: {key, title, kind, role, chat_id, actor_id, ...}
    current: null,        // the chat key on show
    lastSeq: 0,
    messages: new Map(),  // chat id -> Map(message id -> message)
    keyboards: new Map(), // chat id -> reply keyboard rows, or null
    unread: new Map(),    // chat id -> count
    pressed: new Map(),   // "chat:message" -> the pressed button element
    commands: new Map(),  // "type:lang" -> [{command, description}]
  };

  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------------ helpers

  /** An element; attributes by name, children as nodes or plain text (never HTML). */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined && child !== false) node.append(child);
    }
    return node;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  class ApiError extends Error {
    constructor(message, status) {
      super(message);
      this.status = status;
    }
  }

  async function api(path, { method = "GET", json, form } = {}) {
    const options = { method, headers: {} };
    if (method !== "GET") options.headers["X-Sandbox"] = "1";
    if (json !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(json);
    } else if (form !== undefined) {
      options.body = form;
    }
    const response = await fetch(path, options);
    let body;
    try {
      body = await response.json();
    } catch {
      throw new ApiError(`HTTP ${response.status}`, response.status);
    }
    if (!body.ok) throw new ApiError(body.error || `HTTP ${response.status}`, response.status);
    return body.result;
  }

  const fileUrl = (file) => `${EMU}/files/${encodeURIComponent(file.file_id)}`;

  function formatSize(bytes) {
    if (bytes === null || bytes === undefined) return "";
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
    return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  }

  function formatTime(unix) {
    const date = new Date(unix * 1000);
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false });
  }

  function initials(text) {
    const words = String(text || "?").replace(/\(.*\)/, "").trim().split(/\s+/);
    return words.slice(0, 2).map((w) => w[0] || "").join("").toUpperCase() || "?";
  }

  const currentChat = () => state.chats.find((c) => c.key === state.current) || null;
  const chatById = (id) => state.chats.find((c) => c.chat_id === id) || null;

  // ------------------------------------------------------------------ Telegram HTML

  const LINK_SCHEMES = new Set(["http:", "https:", "mailto:", "tel:"]);

  function spoiler() {
    const node = el("span", { class: "spoiler", title: "Show" });
    node.addEventListener("click", () => node.classList.add("shown"), { once: true });
    return node;
  }

  function link(href) {
    let url;
    try {
      url = new URL(href || "", window.location.href);
    } catch {
      return el("span", { class: "link-off" });
    }
    if (!LINK_SCHEMES.has(url.protocol)) return el("span", { class: "link-off" });
    return el("a", { href: url.href, target: "_blank", rel: "noopener noreferrer" });
  }

  /** The element Telegram would show for a tag of its HTML subset, or null (text only). */
  function allowedElement(node) {
    switch (node.localName) {
      case "b": case "strong": return el("b");
      case "i": case "em": return el("i");
      case "u": case "ins": return el("u");
      case "s": case "strike": case "del": return el("s");
      case "code": return el("code");
      case "pre": return el("pre");
      case "blockquote":
        return el("blockquote", { class: node.hasAttribute("expandable") ? "expandable" : null });
      case "tg-spoiler": return spoiler();
      case "span": return node.classList.contains("tg-spoiler") ? spoiler() : null;
      case "tg-emoji": return el("span");
      case "a": return link(node.getAttribute("href"));
      default: return null;
    }
  }

  function copyAllowed(from, into) {
    for (const node of from.childNodes) {
      if (node.nodeType === Node.TEXT_NODE) {
        into.append(document.createTextNode(node.data));
      } else if (node.nodeType === Node.ELEMENT_NODE) {
        const out = allowedElement(node);
        if (out === null) {
          copyAllowed(node, into);
        } else {
          copyAllowed(node, out);
          into.append(out);
        }
      }
    }
  }

  /** Render the bot's HTML into `into`: parsed in an inert document, rebuilt tag by tag. */
  function renderTelegramHtml(html, into) {
    const inert = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
    copyAllowed(inert.body, into);
    return into;
  }

  // ------------------------------------------------------------------ messages

  function mediaOf(message) {
    if (message.photo) {
      const photo = message.photo;
      const img = el("img", { src: fileUrl(photo), alt: "photo", loading: "lazy",
                              width: photo.width || null, height: photo.height || null });
      img.addEventListener("load", () => stickToBottom(false));
      return el("a", { class: "photo", href: fileUrl(photo), target: "_blank",
                       rel: "noopener" }, img);
    }
    if (message.document) {
      const doc = message.document;
      return el("a", { class: "file", href: fileUrl(doc), download: doc.name || "file",
                       title: "Download" },
        el("span", { class: "file-icon", text: "📄" }),
        el("span", { class: "file-text" },
          el("span", { class: "file-name", text: doc.name || "file" }),
          el("span", { class: "file-size", text: formatSize(doc.size) })));
    }
    if (message.sticker) return el("div", { class: "sticker", text: message.sticker.emoji || "🙂" });
    if (message.voice) {
      return el("div", { class: "voice", text: `🎤 Voice message · 0:${String(
        message.voice.duration || 0).padStart(2, "0")}` });
    }
    if (message.contact) {
      const contact = message.contact;
      const name = [contact.first_name, contact.last_name].filter(Boolean).join(" ");
      return el("div", { class: "contact" }, el("span", { class: "file-icon", text: "👤" }),
        el("span", { class: "file-text" }, el("span", { class: "file-name", text: name }),
          el("span", { class: "file-size", text: contact.phone_number })));
    }
    if (message.location) {
      const { latitude, longitude } = message.location;
      return el("div", { class: "location",
                         text: `📍 ${latitude.toFixed(4)}, ${longitude.toFixed(4)}` });
    }
    return null;
  }

  function inlineButton(chat, message, button) {
    const label = button.text;
    if (button.url) {
      let safe = null;
      try {
        const url = new URL(button.url);
        if (LINK_SCHEMES.has(url.protocol)) safe = url.href;
      } catch { /* not a URL */ }
      if (safe) {
        return el("a", { class: "ibtn url", href: safe, target: "_blank",
                         rel: "noopener noreferrer" }, label, el("span", { class: "arrow", text: "↗" }));
      }
    }
    if (button.callback_data === undefined) {
      return el("button", { type: "button", class: "ibtn", disabled: true,
                            title: "This kind of button does not work in the sandbox" }, label);
    }
    const node = el("button", { type: "button", class: "ibtn" }, label);
    node.addEventListener("click", () => press(chat, message, button, node));
    return node;
  }

  function renderMessage(chat, message) {
    const mine = !message.from_bot && message.from.id === chat.actor_id;
    const side = message.from_bot ? "bot" : mine ? "me" : "other";
    const media = mediaOf(message);
    const bubble = el("div", { class: `bubble${media && !message.text ? " media-only" : ""}` });
    if (chat.kind === "group" && !mine) {
      bubble.append(el("div", { class: "sender", text: message.from.first_name }));
    }
    if (media) bubble.append(media);
    if (message.text) {
      const text = el("div", { class: "text" });
      if (message.from_bot) renderTelegramHtml(message.html, text);
      else text.textContent = message.text;
      bubble.append(text);
    }
    bubble.append(el("span", { class: "meta" },
      message.edited ? el("span", { class: "edited", text: "edited" }) : null,
      formatTime(message.date)));
    const row = el("div", { class: `msg ${side}`, "data-id": message.id }, bubble);
    if (message.buttons && message.buttons.length) {
      const keyboard = el("div", { class: "inline-keyboard" });
      for (const buttons of message.buttons) {
        keyboard.append(el("div", { class: "ikrow" },
          ...buttons.map((button) => inlineButton(chat, message, button))));
      }
      row.append(keyboard);
    }
    return row;
  }

  function nearBottom() {
    const box = $("messages");
    return box.scrollHeight - box.scrollTop - box.clientHeight < 120;
  }

  let stuck = true;
  function stickToBottom(force) {
    const box = $("messages");
    if (force || stuck) box.scrollTop = box.scrollHeight;
  }

  function renderMessages() {
    const chat = currentChat();
    const box = $("messages");
    box.replaceChildren();
    if (!chat) return;
    const messages = [...(state.messages.get(chat.chat_id) || new Map()).values()]
      .sort((a, b) => a.id - b.id);
    if (!messages.length) {
      box.append(el("div", { class: "empty" },
        chat.kind === "group"
          ? "No messages yet. The bot posts coordinator alerts here."
          : `You are ${chat.actor_name}. Press START to talk to the bot, as a new user would.`));
    }
    for (const message of messages) box.append(renderMessage(chat, message));
    stuck = true;
    stickToBottom(true);
    $("commands").hidden = true;
    renderControls();
  }

  /** Add or replace one message of the chat on show (edits replace it in place). */
  function showMessage(chat, message) {
    const box = $("messages");
    const wasNear = nearBottom();
    box.querySelector(".empty")?.remove();
    const fresh = renderMessage(chat, message);
    const existing = box.querySelector(`.msg[data-id="${message.id}"]`);
    if (existing) {
      existing.replaceWith(fresh);
    } else {
      const later = [...box.querySelectorAll(".msg")].find((n) => Number(n.dataset.id) > message.id);
      box.insertBefore(fresh, later || null);
      if (wasNear || !message.from_bot) stickToBottom(true);
    }
    if (wasNear) stickToBottom(true);
  }

  function dropMessage(messageId) {
    $("messages").querySelector(`.msg[data-id="${messageId}"]`)?.remove();
  }

  // ------------------------------------------------------------------ chats list and head

  function lastMessageOf(chatId) {
    const messages = state.messages.get(chatId);
    if (!messages || !messages.size) return null;
    return [...messages.values()].reduce((a, b) => (a.id > b.id ? a : b));
  }

  function preview(message) {
    if (!message) return "";
    const who = message.from_bot ? "" : "You: ";
    const text = message.text || (message.photo ? "🖼 Photo" : message.document
      ? `📄 ${message.document.name || "File"}` : message.contact ? "👤 Contact"
        : message.sticker ? message.sticker.emoji : message.voice ? "🎤 Voice" : "");
    return who + text.replace(/\s+/g, " ").slice(0, 80);
  }

  function renderChats() {
    const nav = $("chats");
    nav.replaceChildren();
    let section = null;
    for (const chat of state.chats) {
      const heading = chat.role === "patient" ? "Patients" : "Coordinator";
      if (heading !== section) {
        nav.append(el("div", { class: "section", text: heading }));
        section = heading;
      }
      const unread = state.unread.get(chat.chat_id) || 0;
      const item = el("button", {
        type: "button", class: `chat-item${chat.key === state.current ? " active" : ""}`,
        "data-key": chat.key, "aria-current": chat.key === state.current ? "true" : null,
        title: chat.title,
      },
      el("span", { class: `avatar ${chat.kind === "group" ? "group" : chat.role}`,
                   text: chat.kind === "group" ? "👥" : initials(chat.title) }),
      el("span", { class: "chat-text" },
        el("span", { class: "chat-title", text: chat.kind === "group"
          ? `${chat.title} (group)` : chat.title }),
        el("span", { class: "chat-preview", text: preview(lastMessageOf(chat.chat_id)) })),
      unread ? el("span", { class: "badge", text: String(unread) }) : null);
      item.addEventListener("click", () => selectChat(chat.key));
      nav.append(item);
    }
  }

  function renderHead() {
    const chat = currentChat();
    if (!chat) return;
    const bot = state.bot || { name: "Bot", username: "" };
    const group = chat.kind === "group";
    $("head-avatar").textContent = group ? "👥" : initials(bot.name);
    $("head-avatar").className = `avatar ${group ? "group" : "bot"}`;
    $("chat-title").textContent = group ? chat.title : bot.name;
    const who = chat.role === "coordinator" ? "coordinator"
      : `patient, Telegram in ${LANGUAGES[chat.language_code] || chat.language_code}`;
    $("chat-sub").textContent = group
      ? `group with @${bot.username} · you are ${chat.actor_name}, ${who}`
      : `bot @${bot.username} · you are ${chat.actor_name}, ${who}`;
    $("text").placeholder = group ? `Write to the group as ${chat.actor_name}…`
      : `Write a message as ${chat.actor_name}…`;
  }

  /** The reply keyboard, the START button and the composer for the chat on show. */
  function renderControls() {
    const chat = currentChat();
    if (!chat) return;
    const rows = state.keyboards.get(chat.chat_id);
    const box = $("reply-keyboard");
    box.replaceChildren();
    box.hidden = !rows;
    for (const buttons of rows || []) {
      box.append(el("div", { class: "rkrow" }, ...buttons.map((button) => {
        const node = el("button", { type: "button", class: "rkbtn",
                                    title: button.request_contact ? "Shares your phone number"
                                      : null }, button.text);
        node.addEventListener("click", () => tapKeyboard(chat, button));
        return node;
      })));
    }
    const empty = !(state.messages.get(chat.chat_id)?.size);
    $("start-bar").hidden = !(empty && chat.kind === "private");
    $("composer").hidden = !$("start-bar").hidden;
    stickToBottom(false); // the keyboard takes room from the messages: keep the last in view
  }

  // ------------------------------------------------------------------ notices

  let toastTimer = null;
  function toast(text) {
    const box = $("toast");
    box.textContent = text;
    box.hidden = false;
    box.classList.remove("fade");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => {
      box.classList.add("fade");
      toastTimer = setTimeout(() => { box.hidden = true; }, 400);
    }, 2600);
  }

  function dialog(title, body, actions) {
    const box = $("dialog");
    box.replaceChildren(el("form", { method: "dialog", class: "dialog-form" },
      el("h2", { text: title }), body,
      el("div", { class: "dialog-actions" }, ...actions)));
    box.showModal();
    return box;
  }

  function alertBox(text) {
    return new Promise((resolve) => {
      const box = dialog("Second Opinion", el("p", { class: "alert-text", text }),
        [el("button", { value: "ok", class: "primary", text: "OK" })]);
      box.addEventListener("close", () => resolve(), { once: true });
    });
  }

  function confirmBox(title, text, yes) {
    return new Promise((resolve) => {
      const box = dialog(title, el("p", { text }), [
        el("button", { value: "cancel", class: "ghost", text: "Cancel" }),
        el("button", { value: "yes", class: "primary", text: yes }),
      ]);
      box.addEventListener("close", () => resolve(box.returnValue === "yes"), { once: true });
    });
  }

  function failed(error) {
    toast(`Could not do that: ${error.message}`);
  }

  // ------------------------------------------------------------------ acting

  function chatTarget(chat) {
    return { user_id: chat.actor_id, chat_id: chat.chat_id };
  }

  function accept(chat, result) {
    for (const message of result.messages || []) upsert(chat.chat_id, message);
    renderChats();
    renderControls();
  }

  async function sendText(chat, text) {
    accept(chat, await api(`${EMU}/send`, { method: "POST", json: { ...chatTarget(chat), text } }));
  }

  async function sendFiles(chat, files, field) {
    const form = new FormData();
    form.append("user_id", String(chat.actor_id));
    form.append("chat_id", String(chat.chat_id));
    const caption = $("text").value.trim();
    if (caption) form.append("caption", caption);
    for (const file of files) form.append(field, file, file.name);
    accept(chat, await api(`${EMU}/send`, { method: "POST", form }));
    if (caption) $("text").value = "";
  }

  async function press(chat, message, button, node) {
    const key = `${chat.chat_id}:${message.id}`;
    state.pressed.get(key)?.classList.remove("pending");
    node.classList.add("pending");
    state.pressed.set(key, node);
    setTimeout(() => node.classList.remove("pending"), 6000);
    try {
      await api(`${EMU}/press`, { method: "POST", json: {
        ...chatTarget(chat), message_id: message.id, callback_data: button.callback_data } });
    } catch (error) {
      node.classList.remove("pending");
      failed(error);
    }
  }

  async function tapKeyboard(chat, button) {
    const body = { ...chatTarget(chat), label: button.text };
    if (button.request_contact) {
      const ok = await confirmBox("Share your phone number?",
        `The bot will receive your phone number, ${chat.phone}, and your name.`, "Share");
      if (!ok) return;
      body.phone_number = chat.phone;
    } else if (button.request_location) {
      const ok = await confirmBox("Share your location?",
        "The bot will receive a (made-up) location.", "Share");
      if (!ok) return;
    }
    try {
      accept(chat, await api(`${EMU}/press_keyboard`, { method: "POST", json: body }));
    } catch (error) {
      failed(error);
    }
  }

  async function showCommands() {
    const chat = currentChat();
    const menu = $("commands");
    if (!chat) return;
    if (!menu.hidden) {
      menu.hidden = true;
      return;
    }
    const type = chat.kind === "group" ? "group" : "private";
    const key = `${type}:${chat.language_code}`;
    if (!state.commands.has(key)) {
      try {
        state.commands.set(key, await api(
          `${EMU}/commands?chat_type=${type}&language_code=${encodeURIComponent(chat.language_code)}`));
      } catch (error) {
        failed(error);
        return;
      }
    }
    const commands = state.commands.get(key);
    menu.replaceChildren(...(commands.length ? commands.map((command) => el("button", {
      type: "button", class: "command", role: "menuitem",
      onclick: () => {
        menu.hidden = true;
        sendText(chat, `/${command.command}`).catch(failed);
      },
    }, el("span", { class: "command-name", text: `/${command.command}` }),
    el("span", { class: "command-desc", text: command.description })))
      : [el("div", { class: "command-desc", text: "The bot has no commands here." })]));
    menu.hidden = false;
  }

  async function newPatient() {
    const name = el("input", { name: "first_name", required: true, maxlength: 40,
                               placeholder: "First name", value: "" });
    const language = el("select", { name: "language_code" },
      ...Object.entries(LANGUAGES).map(([code, label]) => el("option", { value: code, text: label })));
    const box = dialog("New patient",
      el("div", { class: "fields" },
        el("label", {}, "Name ", name),
        el("label", {}, "Telegram language ", language)),
      [el("button", { value: "cancel", class: "ghost", formnovalidate: true, text: "Cancel" }),
       el("button", { value: "create", class: "primary", text: "Create" })]);
    name.focus();
    box.addEventListener("close", async () => {
      if (box.returnValue !== "create" || !name.value.trim()) return;
      try {
        const user = await api(`${EMU}/users`, { method: "POST", json: {
          first_name: name.value.trim(), language_code: language.value } });
        await loadCast();
        await loadChat(user.chat_id);
        selectChat(`u${user.id}`);
      } catch (error) {
        failed(error);
      }
    }, { once: true });
  }

  // ------------------------------------------------------------------ state and events

  function upsert(chatId, message) {
    if (!state.messages.has(chatId)) state.messages.set(chatId, new Map());
    state.messages.get(chatId).set(message.id, message);
    const chat = currentChat();
    if (chat && chat.chat_id === chatId) showMessage(chat, message);
  }

  async function loadChat(chatId) {
    const result = await api(`${EMU}/chats/${chatId}/messages`);
    state.messages.set(chatId, new Map(result.messages.map((m) => [m.id, m])));
    state.keyboards.set(chatId, result.reply_keyboard);
  }

  async function loadKeyboard(chatId) {
    const messages = state.messages.get(chatId);
    const after = messages && messages.size ? Math.max(...messages.keys()) : 0;
    const result = await api(`${EMU}/chats/${chatId}/messages?after=${after}`);
    state.keyboards.set(chatId, result.reply_keyboard);
  }

  function applyEvent(event, fresh) {
    const chatId = event.chat_id;
    const chat = currentChat();
    const onShow = chat && chat.chat_id === chatId;
    if (event.type === "message_new" || event.type === "message_edited") {
      const known = state.messages.get(chatId)?.has(event.message.id);
      upsert(chatId, event.message);
      if (event.type === "message_new" && !known && !onShow && event.message.from_bot) {
        state.unread.set(chatId, (state.unread.get(chatId) || 0) + 1);
      }
      return event.message.from_bot ? chatId : null;
    }
    if (event.type === "message_deleted") {
      state.messages.get(chatId)?.delete(event.message_id);
      if (onShow) dropMessage(event.message_id);
      return chatId;
    }
    if (event.type === "callback_answer" && event.notice) {
      const key = `${chatId}:${event.notice.message_id}`;
      state.pressed.get(key)?.classList.remove("pending");
      state.pressed.delete(key);
      if (fresh && onShow && event.notice.text) {
        if (event.notice.show_alert) alertBox(event.notice.text);
        else toast(event.notice.text);
      }
    }
    return null;
  }

  /** Follow the emulator's events until another loop takes over (a new `state.epoch`). */
  async function pollEvents(epoch) {
    while (epoch === state.epoch) {
      try {
        const result = await api(`${EMU}/events?since=${state.lastSeq}&timeout=25`);
        if (epoch !== state.epoch) return;
        if (result.missed || result.last_seq < state.lastSeq) {
          await restart(); // events were dropped, or this is another world: load it all again
          return;
        }
        const touched = new Set();
        for (const event of result.events) {
          const chatId = applyEvent(event, true);
          if (chatId !== null) touched.add(chatId);
        }
        state.lastSeq = Math.max(state.lastSeq, result.last_seq);
        await Promise.all([...touched].map((id) => loadKeyboard(id).catch(() => {})));
        renderChats();
        renderControls();
      } catch {
        await sleep(800);
        if (epoch !== state.epoch) return;
        if (await worldChanged() && epoch === state.epoch) {
          await restart();
          return;
        }
      }
    }
  }

  async function loadCast() {
    const cast = await api(`${API}/cast`);
    state.bot = cast.bot;
    state.chats = cast.chats;
    return cast;
  }

  const worldOf = (cast) => `${cast.instance}:${cast.generation}`;

  /** True once a different sandbox world is up (a reset, or a restarted process). */
  async function worldChanged() {
    try {
      const cast = await api(`${API}/cast`);
      return cast.ready && worldOf(cast) !== state.world;
    } catch {
      return false; // still restarting
    }
  }

  function selectChat(key) {
    state.current = key;
    const chat = currentChat();
    if (chat) state.unread.delete(chat.chat_id);
    try {
      window.sessionStorage.setItem("sandbox-chat", key);
    } catch { /* private mode */ }
    renderChats();
    renderHead();
    renderMessages();
    if (!$("composer").hidden) $("text").focus();
  }

  /** (Re)load everything: the cast, every chat, then follow the events. */
  async function start() {
    state.epoch += 1; // any older event loop stops
    const epoch = state.epoch;
    const cast = await loadCast();
    state.world = worldOf(cast);
    state.messages.clear();
    state.keyboards.clear();
    state.unread.clear();
    state.pressed.clear();
    state.commands.clear();
    const info = await api(`${EMU}/info`);
    state.lastSeq = info.last_seq;
    await Promise.all(state.chats.map((chat) => loadChat(chat.chat_id)));
    let remembered = null;
    try {
      remembered = window.sessionStorage.getItem("sandbox-chat");
    } catch { /* private mode */ }
    const chosen = state.chats.find((c) => c.key === (state.current || remembered));
    selectChat(chosen ? chosen.key : state.chats[0].key);
    pollEvents(epoch);
  }

  /** start(), until it works (the sandbox may be restarting). */
  async function restart() {
    for (;;) {
      try {
        await start();
        return;
      } catch (error) {
        $("messages").replaceChildren(el("div", { class: "empty",
          text: `The sandbox is not answering yet (${error.message}); trying again…` }));
        await sleep(1200);
      }
    }
  }

  async function reset() {
    const ok = await confirmBox("Start over?",
      "This clears every chat, the emulated Telegram and the sandbox database.", "Reset");
    if (!ok) return;
    const overlay = $("overlay");
    overlay.hidden = false;
    try {
      await api(`${API}/reset`, { method: "POST" });
      state.epoch += 1; // stops the event loop of the old world
      for (let tries = 0; tries < 150 && !(await worldChanged()); tries += 1) await sleep(200);
      await restart();
    } catch (error) {
      failed(error);
    } finally {
      overlay.hidden = true;
    }
  }

  // ------------------------------------------------------------------ wiring

  function wire() {
    const text = $("text");
    $("composer").addEventListener("submit", (event) => {
      event.preventDefault();
      const chat = currentChat();
      const value = text.value.trim();
      if (!chat || !value) return;
      text.value = "";
      autosize();
      sendText(chat, value).catch((error) => {
        text.value = value;
        failed(error);
      });
    });
    text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        $("composer").requestSubmit();
      }
    });
    const autosize = () => {
      text.style.height = "auto";
      text.style.height = `${Math.min(text.scrollHeight, 160)}px`;
    };
    text.addEventListener("input", autosize);
    $("start").addEventListener("click", () => {
      const chat = currentChat();
      if (chat) sendText(chat, "/start").catch(failed);
    });
    $("attach-file").addEventListener("click", () => $("file-input").click());
    $("attach-photo").addEventListener("click", () => $("photo-input").click());
    for (const [id, field] of [["file-input", "document"], ["photo-input", "photo"]]) {
      const input = $(id);
      input.addEventListener("change", () => {
        const chat = currentChat();
        const files = [...input.files].slice(0, 10);
        input.value = "";
        if (chat && files.length) sendFiles(chat, files, field).catch(failed);
      });
    }
    $("commands-button").addEventListener("click", () => showCommands());
    $("reset").addEventListener("click", () => reset());
    $("new-patient").addEventListener("click", () => newPatient());
    $("messages").addEventListener("scroll", () => { stuck = nearBottom(); });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") $("commands").hidden = true;
    });
  }

  async function boot() {
    wire();
    await restart();
  }

  document.addEventListener("DOMContentLoaded", boot);
})();
