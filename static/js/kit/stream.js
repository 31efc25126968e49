// Read an NDJSON frame stream (POST /api/<op>/frames): a header line, frame lines, a result line.
// The header arrives before any frame is computed, so a scene can lay itself out at once and draw
// each step as soon as its frame is in.

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/** The message a learner can act on, from whatever error body the API sent. */
export async function errorMessage(response) {
  let text = "";
  try {
    text = await response.text();
    const body = JSON.parse(text);
    const detail = body.error?.message ?? body.detail ?? body.message ?? body.error ?? body;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      return detail
        .map((d) => (d.loc ? `${d.loc.filter((p) => p !== "body").join(".")}: ${d.msg}` : d.msg || JSON.stringify(d)))
        .join("; ");
    }
    if (detail && typeof detail === "object" && detail.message) return detail.message;
    return JSON.stringify(detail);
  } catch {
    return text || `HTTP ${response.status}`;
  }
}

/** fetch(url, init), throwing ApiError with the server's message on 4xx/5xx. */
export async function request(url, init) {
  const response = await fetch(url, init);
  if (!response.ok) throw new ApiError(await errorMessage(response), response.status);
  return response;
}

const sendJson = (body, accept, signal) => ({
  method: "POST",
  headers: { "Content-Type": "application/json", Accept: accept },
  body: JSON.stringify(body),
  signal,
});

/** GET JSON, throw ApiError with the server's message on 4xx/5xx. */
export async function getJson(url, { signal } = {}) {
  return (await request(url, { headers: { Accept: "application/json" }, signal })).json();
}

/** POST JSON, return JSON, throw ApiError with the server's message on 4xx/5xx. */
export async function postJson(url, body, { signal } = {}) {
  return (await request(url, sendJson(body, "application/json", signal))).json();
}

/**
 * Stream frames. Callbacks: onHeader(header), onFrames(framesSoFar) (at most once per animation
 * frame), onResult(result). Resolves to {header, frames, result}. Abort with `signal`.
 */
export async function streamFrames(
  url,
  body,
  { onHeader = () => {}, onFrames = () => {}, onResult = () => {}, signal } = {},
) {
  const response = await request(url, sendJson(body, "application/x-ndjson", signal));
  const frames = [];
  let header = null;
  let result = null;
  let pending = false;
  const flush = () => {
    pending = false;
    onFrames(frames);
  };
  const handle = (line) => {
    if (!line.trim()) return;
    const message = JSON.parse(line);
    if (message.type === "header") {
      header = message;
      onHeader(message);
    } else if (message.type === "frame") {
      frames.push(message);
      if (!pending) {
        pending = true;
        requestAnimationFrame(flush);
      }
    } else if (message.type === "result") {
      result = message;
    } else if (message.type === "error") {
      throw new ApiError(message.message || message.detail || "error", 422);
    }
  };
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      handle(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf("\n");
    }
  }
  handle(buffer);
  flush();
  if (result) onResult(result);
  return { header, frames, result };
}
