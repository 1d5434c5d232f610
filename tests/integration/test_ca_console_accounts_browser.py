# SPDX-License-Identifier: Apache-2.0
"""The console's Accounts page in a real browser (headless Chromium under
Selenium) against a real deviceid-ca, with a running deviceid-enrolld on
swtpm and a real deviceid-fsd mount that learns its accounts from the
CA's list (docs/accounts.md): an account created in the console is
obtained by the agent, carrying the names the live preview showed
(checked with OpenSSL); an edit reissues it with the new names; a delete
withdraws it and revokes its certificates. Errors are shown at their
field, a device named with markup previews as text, nothing reaches
another origin, and the page fits a narrow window. Screenshots go to
BUILDDIR/tests/artifacts/ui/."""
import os
import subprocess

import pytest

from fixtures.ca import ca_cli
from fixtures.console import ek_uri, login_link
from fixtures.fsd import wait_for
from fixtures.procs import require_tool
from test_ca_console_browser import XSS, check_clean, css, db_rows
from test_ca_console_browser import wait_for as wait_css
from test_enroll import account_root, openssl_verify
from test_enrolld import daemon, short_ca  # noqa: F401 (fixtures)
from test_enrolld_accounts import listd, served_names  # noqa: F401 (fixtures)

pytestmark = pytest.mark.heavy


def names_of(path):
    """(subject, SAN text) of a PEM certificate, as OpenSSL prints them."""
    out = subprocess.run([require_tool("openssl"), "x509", "-noout", "-subject", "-ext", "subjectAltName",
                          "-in", path], capture_output=True, text=True, check=False, timeout=30)
    return out.stdout if out.returncode == 0 else ""


def set_text(el, text):
    el.clear()
    el.send_keys(text)


def show_preview(browser):
    browser.execute_script("document.getElementById('account-preview').scrollIntoView({block: 'center'})")


def account_certs(srv):
    return db_rows(srv, "SELECT serial, revoked, revocation_reason FROM certificates "
                        "WHERE account = 'x5c/wifi' ORDER BY created_at")


def test_accounts_page_drives_a_running_agent(browser, listd, tmp_path):
    from selenium.webdriver.support.ui import Select

    dev = listd.device
    ca = dev.ca
    dev_id = db_rows(ca, "SELECT id FROM devices WHERE name = 'dev'")[0][0]
    status, _, _ = ca.post("/admin/devices", {"ek_uri": ek_uri("markup"), "name": XSS}, admin=True)
    assert status == 201
    xss_id = db_rows(ca, "SELECT id FROM devices WHERE name = ?", XSS)[0][0]
    ca_cli(ca.dir, "device", "tag", dev.ek_uri, "lab")
    agent = listd.start()

    def wait_agent(cond, timeout, what):
        try:
            wait_for(cond, timeout=timeout, what=what)
        except AssertionError as e:
            raise AssertionError(f"{e}; deviceid-enrolld's log ends:\n{agent.log_text()[-4000:]}") from None

    wait_agent(lambda: "device.pem" in served_names(dev), 180, "the device certificate")

    browser.get(login_link(ca, name="alice"))
    wait_css(browser, "#who", text="Signed in as alice")
    browser.get(f"{ca.base_url}/ui/#/accounts")
    wait_css(browser, "main h1", text="Accounts")
    form = wait_css(browser, "#account-form")
    wait_for(lambda: css(browser, f"select[name=preview-device] option[value='{xss_id}']"), timeout=10,
             what="the devices to preview for")
    field = {n: form.find_element("css selector", f"[name={n}]") for n in ("name", "sub", "sans", "lifetime", "devices")}
    Select(form.find_element("css selector", "select[name=preview-device]")).select_by_value(str(dev_id))

    # The preview follows the typing; a template the device cannot fill
    # in is named at its field before anything is saved.
    set_text(field["name"], "wifi")
    set_text(field["sub"], "{name}")
    set_text(field["sans"], "{serial}.wifi.example.org")
    wait_css(browser, f"#{field['sans'].get_attribute('id')}-error", text="{serial}")
    assert field["sans"].get_attribute("aria-invalid") == "true"
    wait_css(browser, "#account-preview-error", text="No certificate")
    show_preview(browser)
    browser.shot("accounts-preview-error")
    set_text(field["sans"], "{name}.wifi.example.org\nurn:example:device:{id}")
    wait_css(browser, "#account-preview-sans", text=f"urn:example:device:{dev_id}")
    assert css(browser, "#account-preview-sub")[0].text == "dev"
    sans = [li.text for li in css(browser, "#account-preview-sans li")]
    assert sans == ["dev.wifi.example.org", f"urn:example:device:{dev_id}"], sans
    assert field["sans"].get_attribute("aria-invalid") is None
    show_preview(browser)
    browser.shot("accounts-preview")

    # Saving with a bad lifetime: the API's refusal shows at that field.
    set_text(field["lifetime"], "soon")
    form.find_element("css selector", "button[type=submit]").click()
    wait_css(browser, f"#{field['lifetime'].get_attribute('id')}-error", text="invalid lifetime")
    assert field["lifetime"].get_attribute("aria-invalid") == "true"
    field["lifetime"].clear()
    form.find_element("css selector", "button[type=submit]").click()
    # For every device, the markup-named one cannot have a DNS name from
    # {name}: refused, at the SANs, naming that device.
    sans_error = f"#{field['sans'].get_attribute('id')}-error"
    wait_css(browser, sans_error, text=f"device {xss_id}")
    assert browser.switch_to.active_element.get_attribute("name") == "sans"
    browser.shot("accounts-save-refused")
    set_text(field["devices"], "lab")
    wait_css(browser, "#account-preview-sub", text="dev")
    form.find_element("css selector", "button[type=submit]").click()
    wait_css(browser, "#account-form .success", text="Added account wifi")
    wait_css(browser, "#account-list td.account-name", text="wifi")
    browser.shot("accounts-added")
    errors = browser.console_errors()  # the browser logs the two 400s itself
    assert len(errors) == 2 and all("/admin/accounts " in e["message"] and "400" in e["message"] for e in errors), errors

    # The running agent obtains it (it asks every second), with the
    # names the preview showed.
    wait_agent(lambda: {"wifi.pem", "wifi.key.pem"} <= served_names(dev), 90, "wifi under the mount")
    text = names_of(dev.fsd.path("wifi.pem"))
    assert "CN = dev" in text and "DNS:dev.wifi.example.org" in text, text
    assert f"URI:urn:example:device:{dev_id}" in text, text
    openssl_verify(account_root(ca), dev.served("wifi.pem"), tmp_path)
    first = account_certs(ca)
    assert len(first) == 1 and first[0][1] == 0, first

    # Edit the SANs: the preview shows the new names, saving supersedes
    # the certificate and the agent is reissued one that carries them.
    browser.find_element("css selector", "button[aria-label='Edit account wifi']").click()
    wait_css(browser, "#account-form-title", text="Edit account wifi")
    assert field["name"].get_attribute("readonly") is not None
    set_text(field["sans"], "{name}.corp.example.org")
    wait_css(browser, "#account-preview-sans", text="dev.corp.example.org")
    form.find_element("css selector", "button[type=submit]").click()
    wait_css(browser, "#account-form .success", text="Saved account wifi; 1 certificate(s) revoked")
    wait_agent(lambda: "DNS:dev.corp.example.org" in names_of(dev.fsd.path("wifi.pem")), 90,
               "wifi reissued with the new SAN")
    text = names_of(dev.fsd.path("wifi.pem"))
    assert "CN = dev" in text and "wifi.example.org" not in text and "urn:example" not in text, text
    certs = account_certs(ca)
    assert certs[0][1:] == (1, 4) and len(certs) >= 2 and certs[-1][1] == 0, certs  # superseded
    browser.shot("accounts-edited")

    # A device named with markup previews as text, and runs nothing.
    Select(form.find_element("css selector", "select[name=preview-device]")).select_by_value(str(xss_id))
    set_text(field["name"], "web")
    set_text(field["sub"], "{name}")
    wait_css(browser, "#account-preview-sub", text=XSS)
    assert not browser.dialogs_open()
    assert css(browser, "#account-preview img") == [] and css(browser, "select[name=preview-device] img") == []
    show_preview(browser)
    browser.shot("accounts-markup-as-text")
    field["name"].clear()
    field["sub"].clear()

    # Delete, with confirmation: revoked at the CA, withdrawn by the agent.
    browser.find_element("css selector", "button[aria-label='Delete account wifi']").click()
    dialog = wait_css(browser, "dialog[open]")
    assert "revoked" in dialog.text
    browser.shot("accounts-delete-confirm")
    dialog.find_element("css selector", "button.danger").click()
    wait_css(browser, "main .success", text="Deleted account wifi; 1 certificate(s) revoked")
    wait_for(lambda: css(browser, "#account-list td.account-name") == [], timeout=10, what="the list without wifi")
    wait_agent(lambda: "wifi.pem" not in served_names(dev), 90, "wifi withdrawn")
    assert 'Withdrew account "wifi"' in agent.log_text()
    assert all(r[1] == 1 for r in account_certs(ca))
    assert account_certs(ca)[-1][2] == 5  # cessationOfOperation
    actions = [r[0] for r in db_rows(ca, "SELECT action FROM audit_log WHERE action LIKE 'account.%' ORDER BY id")]
    assert actions == ["account.add", "account.edit", "account.remove"], actions
    browser.shot("accounts-deleted")

    # A narrow window: the page fits; the table scrolls inside its region.
    browser.set_window_size(390, 844)
    browser.get(f"{ca.base_url}/ui/#/accounts")
    wait_css(browser, "main h1", text="Accounts")
    wait_css(browser, "#account-preview")
    overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page wider than the window by {overflow}px"
    browser.shot("accounts-narrow")
    check_clean(browser, ca, "accounts")
    assert agent.alive()
    assert os.path.exists(dev.fsd.path("device.pem"))
