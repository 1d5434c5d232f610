# SPDX-License-Identifier: Apache-2.0
"""The web console in a real browser: headless Chromium under Selenium
against a real deviceid-ca serving the console from the source tree.
Sign-in with a login link (a used or an expired one fails), adding a
device, an import with a bad row (named, nothing imported), disabling a
device and seeing its certificates revoked, tags (filter, edit), revoking
one certificate, a device whose name is markup shown as text, a device's
posture from a real report (list, filter, details, accepting the baseline
by keyboard), and every page loading with no console error and no request to another origin. Each test saves
screenshots under BUILDDIR/tests/artifacts/ui/."""
import json
import os
import sqlite3
import time

import pytest

from fixtures.ca import ca_cli
from fixtures.console import ConsoleSession, ek_uri, issue_for_device, login_link

pytestmark = pytest.mark.heavy

XSS = "<img src=x onerror=alert(1)>"


def wait_for(browser, css, timeout=10, text=None):
    """The first element matching css (with text in it, if given)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
    wait = WebDriverWait(browser.driver, timeout)
    if text is None:
        return wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))
    return browser.find_element(By.CSS_SELECTOR, css)


def css(browser, selector):
    from selenium.webdriver.common.by import By
    return browser.find_elements(By.CSS_SELECTOR, selector)


def sign_in(browser, srv, name="alice"):
    browser.get(login_link(srv, name=name))
    wait_for(browser, "main h1", text="Overview")
    wait_for(browser, "#who", text=f"Signed in as {name}")


def db_rows(srv, sql, *args):
    db = sqlite3.connect(os.path.join(srv.dir, "ca.db"))
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def check_clean(browser, srv, what):
    errors = browser.console_errors()
    assert errors == [], f"{what}: console errors {errors}"
    foreign = browser.foreign_requests(srv.base_url)
    assert foreign == [], f"{what}: requests to other origins {foreign}"


def test_sign_in_with_link(browser, ca_server):
    link = login_link(ca_server, name="alice")
    browser.get(link)
    wait_for(browser, "main h1", text="Overview")
    who = wait_for(browser, "#who", text="Signed in as alice")
    # The token left the address bar and history at once.
    assert "#" not in browser.current_url.split("/ui/")[1].replace("#/overview", "")
    cookie = browser.get_cookie("__Host-deviceid-session")
    assert cookie and cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    assert browser.execute_script("return document.cookie") == ""  # HttpOnly: scripts never see it
    browser.shot("overview")
    check_clean(browser, ca_server, "overview after sign-in")

    # Sign out: the session is gone on the server too.
    who.find_element("css selector", "button").click()
    wait_for(browser, "main h1", text="Not signed in")
    browser.shot("signed-out")
    assert db_rows(ca_server, "SELECT COUNT(*) FROM console_sessions") == [(0,)]
    actions = [r[0] for r in db_rows(ca_server, "SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["login-link.create", "session.login", "session.logout"]


def test_used_link_fails(browser, ca_server):
    link = login_link(ca_server, name="alice")
    browser.get(link)
    wait_for(browser, "#who", text="Signed in as alice")
    browser.delete_all_cookies()
    browser.get(link)
    err = wait_for(browser, "#error", text="already used")
    assert "already used" in err.text
    assert wait_for(browser, "#status").text == "Not signed in."
    browser.shot("used-link")
    browser.get(ca_server.base_url + "/ui/#/devices")
    wait_for(browser, "main h1", text="Not signed in")


def test_expired_link_fails(browser, ca_server):
    link = login_link(ca_server, ttl="1s", name="alice")
    time.sleep(2.2)
    browser.get(link)
    wait_for(browser, "#error", text="expired")
    browser.shot("expired-link")
    assert browser.get_cookie("__Host-deviceid-session") is None


def test_add_device(browser, ca_server):
    sign_in(browser, ca_server)
    browser.get(ca_server.base_url + "/ui/#/devices")
    wait_for(browser, "main h1", text="Devices")
    form = wait_for(browser, "#add-title").find_element("xpath", "..")
    identity = form.find_element("css selector", "textarea[name=identity]")
    # A malformed EK URI: the API's message shows next to the field.
    identity.send_keys("urn:ek:sha256:not-base64")
    form.find_element("css selector", "button[type=submit]").click()
    wait_for(browser, f"#{identity.get_attribute('id')}-error", text="invalid EK URI")
    assert identity.get_attribute("aria-invalid") == "true"
    browser.shot("add-device-error")
    browser.console_errors()  # the 400 above is logged by the browser; start clean

    identity.clear()
    identity.send_keys(ek_uri("laptop-1"))
    form.find_element("css selector", "input[name=name]").send_keys("Laptop 1")
    form.find_element("css selector", "input[name=owner]").send_keys("Alice")
    form.find_element("css selector", "button[type=submit]").click()
    wait_for(browser, "#device-list td.device-name", text="Laptop 1")
    browser.shot("add-device")
    rows = db_rows(ca_server, "SELECT ek_uri, name, owner, status FROM devices")
    assert rows == [(ek_uri("laptop-1"), "Laptop 1", "Alice", "active")]
    who = db_rows(ca_server, "SELECT actor_kind, actor FROM audit_log WHERE action = 'device.add'")
    assert who == [("session", "alice")]
    check_clean(browser, ca_server, "add device")


def test_device_tags(browser, ca_server):
    ca_server.post("/admin/devices", {"ek_uri": ek_uri("tag-1"), "name": "Lab PC", "tags": ["lab"]}, admin=True)
    ca_server.post("/admin/devices", {"ek_uri": ek_uri("tag-2"), "name": "Kiosk"}, admin=True)
    sign_in(browser, ca_server)
    browser.get(ca_server.base_url + "/ui/#/devices")
    wait_for(browser, ".pager p", text="of 2")
    # The tag filter lists only the tagged device.
    tag = css(browser, "form[role=search] input[name=tag]")[0]
    tag.send_keys("lab")
    css(browser, "form[role=search] button[type=submit]")[0].click()
    wait_for(browser, ".pager p", text="of 1")
    assert [td.text for td in css(browser, "#device-list td.device-name")] == ["Lab PC"]
    assert [li.text for li in css(browser, "#device-list .tag")] == ["lab"]
    browser.shot("devices-by-tag")

    # Tags edited on the device page; a bad one is named next to the field.
    browser.get(ca_server.base_url + "/ui/#/devices/2")
    wait_for(browser, "main h1", text="Kiosk")
    field = css(browser, "#main input[name=tags]")[0]
    field.send_keys("lobby, Floor-2")
    field.submit()
    wait_for(browser, "#device-tags", text="floor-2")
    assert [li.text for li in css(browser, "#device-tags .tag")] == ["floor-2", "lobby"]
    field = css(browser, "#main input[name=tags]")[0]
    field.clear()
    field.send_keys("bad!")
    field.submit()
    wait_for(browser, f"#{field.get_attribute('id')}-error", text="invalid tag")
    browser.shot("device-tags")
    browser.console_errors()  # the 400 above is logged by the browser
    assert db_rows(ca_server, "SELECT tags FROM devices WHERE id = 2") == [(",floor-2,lobby,",)]
    who = db_rows(ca_server, "SELECT actor_kind, actor, target FROM audit_log WHERE action = 'device.tags'")
    assert who == [("session", "alice", "device 2")]
    check_clean(browser, ca_server, "device tags")


def test_import_csv_with_bad_row(browser, ca_server, tmp_path):
    sign_in(browser, ca_server)
    browser.get(ca_server.base_url + "/ui/#/devices")
    wait_for(browser, "main h1", text="Devices")
    bad = tmp_path / "devices.csv"
    bad.write_text(f"ek_uri,name\n{ek_uri('a')},first\nurn:ek:sha256:broken,second\n{ek_uri('c')},third\n")
    form = wait_for(browser, "#import-title").find_element("xpath", "..")
    file_input = form.find_element("css selector", "input[type=file]")
    file_input.send_keys(str(bad))
    form.find_element("css selector", "button[type=submit]").click()
    err = wait_for(browser, f"#{file_input.get_attribute('id')}-error", text="Nothing was imported")
    assert "record 2 (line 3)" in err.text, err.text
    browser.shot("import-bad-row")
    assert db_rows(ca_server, "SELECT COUNT(*) FROM devices") == [(0,)]

    good = tmp_path / "good.csv"
    good.write_text(f"ek_uri,name\n{ek_uri('a')},first\n{ek_uri('b')},second\n{ek_uri('c')},third\n")
    file_input.send_keys(str(good))
    form.find_element("css selector", "button[type=submit]").click()
    wait_for(browser, "#import-title + form .success", text="Imported 3 device(s).")
    wait_for(browser, "#device-list", text="third")
    browser.shot("import-ok")
    assert db_rows(ca_server, "SELECT COUNT(*) FROM devices") == [(3,)]


def test_disable_device_revokes_certificates(browser, ca_server, tmp_path):
    uri = ek_uri("printer")
    status, _, body = ca_server.post("/admin/devices", {"ek_uri": uri, "name": "Printer"}, admin=True)
    assert status == 201, body
    dev = json.loads(body)
    serials = [issue_for_device(ca_server, tmp_path, uri, ca="agent", cn="printer"),
               issue_for_device(ca_server, tmp_path, uri, ca="account", cn="wifi")]
    sign_in(browser, ca_server)
    browser.get(f"{ca_server.base_url}/ui/#/devices/{dev['id']}")
    wait_for(browser, "main h1", text="Printer")
    for s in serials:
        wait_for(browser, "main", text=s)
    assert len(css(browser, "main .badge-valid")) == 2
    browser.shot("device-before")

    next(b for b in css(browser, "main .actions button") if b.text == "Disable device").click()
    dialog = wait_for(browser, "dialog[open]")
    assert "revoked" in dialog.text
    browser.shot("disable-confirm")
    dialog.find_element("css selector", "button.danger").click()
    wait_for(browser, "#device-facts .badge-disabled")
    wait_for(browser, "main", text="cessationOfOperation")
    assert len(css(browser, "main .badge-revoked")) == 2
    assert css(browser, "main .badge-valid") == []
    browser.shot("device-disabled")
    rows = db_rows(ca_server, "SELECT revoked, revocation_reason FROM certificates ORDER BY serial")
    assert rows == [(1, 5), (1, 5)]
    check_clean(browser, ca_server, "device detail")


def test_revoke_certificate(browser, ca_server, tmp_path):
    uri = ek_uri("phone")
    ca_server.post("/admin/devices", {"ek_uri": uri, "name": "Phone"}, admin=True)
    serial = issue_for_device(ca_server, tmp_path, uri, ca="account", cn="vpn")
    other = issue_for_device(ca_server, tmp_path, uri, ca="account", cn="wifi")
    sign_in(browser, ca_server, name="bob")
    browser.get(ca_server.base_url + "/ui/#/certificates")
    wait_for(browser, "main h1", text="Certificates")
    search = wait_for(browser, "main input[type=search]")
    search.send_keys(serial[:12])
    search.submit()
    wait_for(browser, ".pager p", text="of 1")
    css(browser, f"button[aria-label='Revoke certificate {serial}']")[0].click()
    dialog = wait_for(browser, "dialog[open]")
    from selenium.webdriver.support.ui import Select
    Select(dialog.find_element("css selector", "select")).select_by_value("keyCompromise")
    dialog.find_element("css selector", "button.danger").click()
    wait_for(browser, "main", text="keyCompromise")
    browser.shot("certificate-revoked")
    assert db_rows(ca_server, "SELECT revoked, revocation_reason FROM certificates WHERE serial = ?", serial) == [(1, 1)]
    assert db_rows(ca_server, "SELECT revoked FROM certificates WHERE serial = ?", other) == [(0,)]

    browser.get(ca_server.base_url + "/ui/#/audit")
    wait_for(browser, "main", text="certificate.revoke")
    row = next(r for r in css(browser, "main tbody tr") if "certificate.revoke" in r.text)
    assert "console: bob" in row.text and serial in row.text and "keyCompromise" in row.text
    browser.shot("audit")
    check_clean(browser, ca_server, "certificates and audit")


def test_markup_in_names_is_text(browser, ca_server):
    status, _, body = ca_server.post("/admin/devices", {"ek_uri": ek_uri("evil"), "name": XSS, "owner": XSS},
                                     admin=True)
    assert status == 201, body
    dev = json.loads(body)
    sign_in(browser, ca_server)
    for page in ("#/devices", f"#/devices/{dev['id']}", "#/audit"):
        browser.get(f"{ca_server.base_url}/ui/{page}")
        wait_for(browser, "main", text=XSS)
        time.sleep(0.3)  # an onerror handler would have run by now
        assert not browser.dialogs_open(), page
        assert css(browser, "main img") == [], page
        if page.startswith("#/devices/"):
            assert wait_for(browser, "#device-facts dd:nth-of-type(3)").text == XSS
            browser.shot("markup-as-text")
    check_clean(browser, ca_server, "markup in names")


def test_every_page_clean_labelled_narrow(browser, ca_server, tmp_path):
    uri = ek_uri("kiosk")
    ca_server.post("/admin/devices", {"ek_uri": uri, "name": "Kiosk"}, admin=True)
    issue_for_device(ca_server, tmp_path, uri)
    sign_in(browser, ca_server)
    check_clean(browser, ca_server, "sign-in")
    pages = {"overview": "Overview", "devices": "Devices", "devices/1": "Kiosk",
             "certificates": "Certificates", "accounts": "Accounts", "audit": "Audit log"}
    for page, title in pages.items():
        browser.get(f"{ca_server.base_url}/ui/#/{page}")
        wait_for(browser, "main h1", text=title)
        time.sleep(0.2)
        check_clean(browser, ca_server, page)
        # Every control has a label or a name a screen reader reads.
        unlabelled = browser.execute_script("""
            const bad = [];
            for (const el of document.querySelectorAll('input, select, textarea')) {
              if (!el.labels || el.labels.length === 0) bad.push(el.outerHTML);
            }
            for (const el of document.querySelectorAll('button, a[href]')) {
              if (!(el.getAttribute('aria-label') || el.textContent.trim())) bad.push(el.outerHTML);
            }
            return bad;""")
        assert unlabelled == [], f"{page}: {unlabelled}"
        browser.shot(page.replace("/", "-"))
    # The accounts page lists the CA's accounts (its accounts API is there).
    ca_cli(ca_server.dir, "account", "add", "wifi", "--sub", "wifi-{id}")
    browser.get(f"{ca_server.base_url}/ui/#/accounts")
    text = wait_for(browser, "main table").text
    assert "wifi" in text and "wifi-{id}" in text, text
    # Its form is reachable by keyboard: Tab from the search box reaches
    # the account name field.
    from selenium.webdriver.common.keys import Keys
    css(browser, "main input[type=search]")[0].click()
    for _ in range(30):
        if browser.switch_to.active_element.get_attribute("name") == "name":
            break
        browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("name") == "name"

    # Keyboard: Tab reaches the search box and Enter searches.
    browser.get(f"{ca_server.base_url}/ui/#/devices")
    wait_for(browser, "main h1", text="Devices")
    from selenium.webdriver.common.keys import Keys
    body = css(browser, "body")[0]
    for _ in range(20):
        body = browser.switch_to.active_element
        if body.get_attribute("type") == "search":
            break
        body.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("type") == "search"
    browser.switch_to.active_element.send_keys("nothing-like-this", Keys.ENTER)
    wait_for(browser, ".pager p", text="Nothing found.")

    # A narrow window (a phone): every page still fits, tables scroll inside.
    browser.set_window_size(390, 844)
    for page, title in pages.items():
        browser.get(f"{ca_server.base_url}/ui/#/{page}")
        wait_for(browser, "main h1", text=title)
        time.sleep(0.2)
        overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{page}: page wider than the window by {overflow}px"
        browser.shot(f"narrow-{page.replace('/', '-')}")
    check_clean(browser, ca_server, "narrow")

    # The login page without a link explains how to get one.
    browser.get(f"{ca_server.base_url}/ui/login")
    wait_for(browser, "#help")
    check_clean(browser, ca_server, "login page")


def test_device_posture(browser, swtpm, deviceidctl, fsd, tmp_path, procs):
    """A real posture report (swtpm, `deviceidctl enroll` under `pcrs =
    enrolled`): the device list shows the newest verdict and filters by
    it, the device page the report, its facts and failed checks, and
    accepting its values as the baseline lets the device pass again."""
    from selenium.webdriver.support.ui import Select
    from test_enroll import Device
    from test_posture import pcrextend, posture_ca
    fsd.start()
    srv = posture_ca(tmp_path, procs, "pcrs = enrolled\n")
    dev = Device(swtpm, deviceidctl, srv, fsd, tmp_path)
    dev.register()
    srv.post("/admin/devices", {"ek_uri": ek_uri("quiet"), "name": "Quiet"}, admin=True)
    assert dev.enroll("wifi").returncode == 0
    pcrextend(dev, 7)
    cp = dev.enroll("wifi")
    assert cp.returncode == 4, cp.stderr.decode()
    dev_id = json.loads(ca_cli(srv.dir, "device", "show", dev.ek_uri, "--json").stdout)["id"]

    sign_in(browser, srv)
    browser.get(srv.base_url + "/ui/#/devices")
    wait_for(browser, ".pager p", text="of 2")
    rows = {tr.find_element("css selector", "td.device-name").text: tr.find_element("css selector", "td.device-posture").text
            for tr in css(browser, "#device-list tbody tr")}
    assert rows == {"dev": "fail", "Quiet": "none"}
    Select(css(browser, "form[role=search] select[name=posture]")[0]).select_by_value("fail")
    css(browser, "form[role=search] button[type=submit]")[0].click()
    wait_for(browser, ".pager p", text="of 1")
    assert [td.text for td in css(browser, "#device-list td.device-name")] == ["dev"]
    browser.shot("devices-by-posture")

    browser.get(f"{srv.base_url}/ui/#/devices/{dev_id}")
    wait_for(browser, "#posture-failed", text="PCR 7 differs from the baseline")
    last = css(browser, "#posture-last")[0].text
    assert os.uname().release in last and "Secure Boot" in last and "Agent version" in last
    assert "fail" in last and "devices" in last
    history = [tr.text for tr in css(browser, "#device-posture table")[1].find_elements("css selector", "tbody tr")]
    assert len(history) == 2 and "fail" in history[0] and "pass" in history[1], history
    assert css(browser, "#posture-baseline")[0].text != "none"
    browser.shot("device-posture")

    # By keyboard: Tab from the tags field reaches the button, Enter opens
    # the confirmation (focus on Cancel), Tab and Enter confirm.
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    css(browser, "#main input[name=tags]")[0].click()
    for _ in range(80):
        ActionChains(browser.driver).send_keys(Keys.TAB).perform()
        if browser.execute_script("return document.activeElement.textContent") == "Accept current values as baseline":
            break
    else:
        pytest.fail("the accept button is not reached by Tab")
    ActionChains(browser.driver).send_keys(Keys.ENTER).perform()
    dialog = wait_for(browser, "dialog[open]")
    assert "baseline" in dialog.text
    browser.shot("posture-accept-confirm")
    ActionChains(browser.driver).send_keys(Keys.TAB).send_keys(Keys.ENTER).perform()
    wait_for(browser, "main", text="are the baseline now")
    browser.shot("posture-accepted")
    who = db_rows(srv, "SELECT actor_kind, actor, target FROM audit_log WHERE action = 'device.posture.accept'")
    assert who == [("session", "alice", f"device {dev_id}")]
    # The extended PCR is the baseline now: the device passes again.
    cp = dev.enroll("wifi")
    assert cp.returncode == 0, cp.stderr.decode()
    browser.get(srv.base_url + "/ui/#/devices")
    wait_for(browser, "form[role=search] select[name=posture]")
    Select(css(browser, "form[role=search] select[name=posture]")[0]).select_by_value("pass")
    css(browser, "form[role=search] button[type=submit]")[0].click()
    wait_for(browser, "#device-list td.device-posture", text="pass")
    assert [td.text for td in css(browser, "#device-list td.device-name")] == ["dev"]
    browser.shot("devices-posture-pass")
    check_clean(browser, srv, "device posture")
