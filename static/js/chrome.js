// Site chrome: the language switch (remembered in a cookie and in localStorage, and keeping the
// scene's state), and, in an embed, telling the host page how tall the scene is.

const COOKIE = "convscope_lang";
const switcher = document.getElementById("lang-switch");
if (switcher) {
  switcher.addEventListener("click", (event) => {
    const lang = switcher.dataset.lang;
    const params = new URLSearchParams(window.location.search);
    params.set("lang", lang);
    if (!document.body.classList.contains("embed")) {
      // An embed lives on someone else's page: its switch changes that embed only.
      // biome-ignore lint/suspicious/noDocumentCookie: the server reads this cookie to choose the page's language, and the Cookie Store API is not in every browser the site supports.
      document.cookie = `${COOKIE}=${lang}; path=/; max-age=31536000; samesite=lax`;
      try {
        window.localStorage.setItem(COOKIE, lang);
      } catch {
        /* storage may be off; the cookie is enough */
      }
    }
    event.preventDefault();
    window.location.assign(`${window.location.pathname}?${params}`);
  });
}

if (document.body.classList.contains("embed") && window.parent !== window) {
  const post = () =>
    window.parent.postMessage({ type: "convscope:height", height: document.documentElement.scrollHeight }, "*");
  new ResizeObserver(post).observe(document.body);
}
