"""The Playground page's speed as a student sees it: in headless Chromium, from the click on
Train to the last epoch on screen, and TensorFlow Playground side by side. Timings are
never asserted.

The script starts the app (``streamlit run demos/app.py``), opens the Playground page with
URL parameters, clicks Train, and reads the page every 50 ms: the live panel's progress bar
("playground: epoch k of N"), the Epoch metric and the test loss written above the figures
(all figures of a frame come from one snapshot, so they show that epoch). It reports the
time from the click to the first progress report, to the first figure of a trained epoch,
and to the last epoch, and epochs/s over the whole click-to-last-epoch span (compiling the
training loop included). For reference, the same training without the page: the training
chunks of ``PlaygroundSession.train`` alone (no browser, no figures).

TensorFlow Playground's numbers were measured in headless Chromium (see issue 3): spiral,
noise 0, 50% train, batch 10, [8, 8, 8] tanh, lr 0.03, features x1 x2: 15.7 epochs/s and
test loss 0.48 / 0.44 / 0.37 / 0.33 after 5 / 10 / 15 / 20 s (epoch 325 at 20 s); its
default circle task (hidden [4, 2]) 36 epochs/s. Playground trains with SGD on the square
loss ½(o − t)² of a tanh output o and targets t = ±1; here the network has a sigmoid output
p trained with MSE and SGD at the same rate, so Playground's loss is 2·MSE
(``toolkit.ffnn.playground.playground_loss``): the page's test loss times 2.

    python benchmarks/playground.py
"""

import os
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `make bench` runs it without PYTHONPATH

from tests.demos.screenshot import AppServer, launch_browser, wait_until_idle  # noqa: E402

PLAYGROUND_SPIRAL = {"features": "x1,x2", "optimizer": "sgd", "lr": "0.03", "loss": "mse"}
PLAYGROUND_CIRCLE = {**PLAYGROUND_SPIRAL, "dataset": "circle", "hidden": "4,2"}
PUBLISHED = {"spiral_loss": {5: 0.48, 10: 0.44, 15: 0.37, 20: 0.33}, "spiral_eps": 15.7, "circle_eps": 36.0}
READ = """() => {
  const text = sel => [...document.querySelectorAll(sel)].map(e => e.innerText).join(' | ');
  return [text('[class*="st-key-live-"] [data-testid="stProgress"]'),
          text('[class*="st-key-live-"] [data-testid="stMetricValue"]'),
          text('[class*="st-key-live-"] [data-testid="stMarkdown"]'),
          document.querySelectorAll('[class*="st-key-live-"] .js-plotly-plot').length,
          document.querySelectorAll('[class*="st-key-live-done"]').length];
}"""


def click_train(browser, server, params, *, pause_after=None, timeout=300):
    """Opens the page with `params`, clicks Train; returns the samples and the load time.

    One sample per change: (seconds since the click, progress epoch, epoch on the figures,
    test loss on screen, charts in the panel). With `pause_after`, clicks Pause then.
    """
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    query = "&".join(f"{k}={v}" for k, v in params.items())
    started = time.monotonic()
    page.goto(server.url(f"playground?{query}"))
    wait_until_idle(page)
    load = time.monotonic() - started
    page.get_by_role("button", name="Train").first.click()
    click, samples = time.monotonic(), []
    while time.monotonic() - click < timeout:
        progress, metric, markdown, charts, done = page.evaluate(READ)
        now = time.monotonic() - click
        epoch = re.search(r"epoch ([\d,]+) of", progress)
        shown = re.search(r"([\d,]+)", metric)
        loss = re.search(r"test loss \*?\*?([\d.]+)", markdown)
        sample = (int(epoch[1].replace(",", "")) if epoch else None,
                  int(shown[1].replace(",", "")) if shown else None, float(loss[1]) if loss else None, charts)
        if not samples or samples[-1][1:] != sample:
            samples.append((now, *sample))
        if done:
            break
        if pause_after is not None and now > pause_after:
            page.get_by_role("button", name="Pause").first.click()
            pause_after = None
        time.sleep(0.05)
    page.close()
    return samples, load


def summary(samples, target):
    """(click -> first progress, click -> first trained figure, click -> last epoch, epochs/s).

    The last epoch counts when the progress bar or the figures first show it.
    """
    first_progress = next((t for t, epoch, *_ in samples if epoch is not None), None)
    first_figure = next((t for t, _, shown, _, charts in samples if shown and charts), None)
    last = next((t for t, epoch, shown, *_ in samples if max(epoch or 0, shown or 0) >= target), None)
    return first_progress, first_figure, last, (target / last if last else float("nan"))


def session_only(params, epochs):
    """Epochs/s of the training chunks alone, no page (reference)."""
    from toolkit.ffnn.playground import PlaygroundConfig, PlaygroundSession

    names = {"lr": "learning_rate", "batch": "batch_size"}
    config = PlaygroundConfig(**{names.get(k, k): float(v) if k == "lr" else
                                 tuple(v.split(",")) if k == "features" else v for k, v in params.items()})
    session = PlaygroundSession(config)
    session.train(1)
    started = time.perf_counter()
    session.train(epochs)
    return epochs / (time.perf_counter() - started)


def table(header, rows):
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---:" if i else "---" for i in range(len(header))) + "|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    print()


def seconds(value):
    return "-" if value is None else f"{value:.2f} s"


def main():
    from playwright.sync_api import sync_playwright

    print(f"Playground page in headless Chromium · os.cpu_count() = {os.cpu_count()} · "
          f"load average {os.getloadavg()[0]:.1f} at start\n")
    runs = (("page defaults (spiral, 7 features, [8, 8, 8], Adam, 300 epochs)", {}, 300),
            ("Playground circle default ([4, 2], SGD 0.03, 300 epochs)", PLAYGROUND_CIRCLE, 300))
    with AppServer() as server, sync_playwright() as playwright:
        browser = launch_browser(playwright)
        rows = []
        for name, params, target in runs:
            samples, load = click_train(browser, server, params)
            first_progress, first_figure, last, speed = summary(samples, target)
            rows.append((name, seconds(load), seconds(first_progress), seconds(first_figure), seconds(last),
                         f"**{speed:.0f}**", len({s[2] for s in samples})))
        table(["task", "page load", "click → first progress", "click → first trained figure",
               "click → last epoch", "epochs/s (click to last epoch)", "frames drawn"], rows)

        print("## Side by side with TensorFlow Playground (spiral, noise 0, 50% train, batch 10, "
              "[8, 8, 8] tanh, SGD lr 0.03, x1 x2), 20 s from the click\n")
        samples, _ = click_train(browser, server, {**PLAYGROUND_SPIRAL, "epochs": "10000"}, pause_after=20.5)
        rows = []
        for second in (5, 10, 15, 20):
            seen = [s for s in samples if s[0] <= second and s[3] is not None and s[2]]
            rows.append((f"{second} s", PUBLISHED["spiral_loss"][second]) + (
                (seen[-1][2], f"{2 * seen[-1][3]:.3f}") if seen else ("-", "-")))
        table(["after", "Playground test loss", "our epoch on screen", "our test loss (Playground units)"], rows)
        browser.close()
    print("## Training alone (no page, no figures), for reference\n")
    table(["task", "epochs/s"], [(name, f"{session_only(params, 300):.0f}") for name, params, _ in runs])
    print(f"TensorFlow Playground: spiral {PUBLISHED['spiral_eps']} epochs/s, circle {PUBLISHED['circle_eps']} "
          f"epochs/s. Load average {os.getloadavg()[0]:.1f} at the end.")


if __name__ == "__main__":
    main()
