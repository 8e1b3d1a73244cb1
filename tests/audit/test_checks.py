"""``check --deploy`` warns while the access log runs on the demo's generated key."""

from tests.commands import run_command


def test_deploy_check_warns_about_the_demo_access_log_key(settings):
    settings.BWMO_AUDIT_KEY = ""
    settings.BWMO_AUDIT_KEY_FILE = ""
    settings.BWMO_AUDIT_KEY_GENERATE = True
    result = run_command("check", "--deploy")
    assert "bwmo.audit.W001" in result.stdout + result.stderr


def test_no_warning_with_a_key_of_its_own(settings, tmp_path):
    settings.BWMO_AUDIT_KEY = "k" * 64
    settings.BWMO_AUDIT_KEY_FILE = ""
    settings.BWMO_AUDIT_KEY_GENERATE = False
    result = run_command("check", "--deploy")
    assert "bwmo.audit.W001" not in result.stdout + result.stderr
    assert "bwmo.audit.W002" not in result.stdout + result.stderr


def test_deploy_check_warns_about_a_key_file_next_to_the_database(settings, tmp_path):
    key_file = tmp_path / "audit_key"
    key_file.write_text("k" * 64)
    settings.DATA_DIR = tmp_path
    settings.BWMO_AUDIT_KEY = ""
    settings.BWMO_AUDIT_KEY_FILE = str(key_file)
    settings.BWMO_AUDIT_KEY_GENERATE = False
    result = run_command("check", "--deploy")
    assert "bwmo.audit.W002" in result.stdout + result.stderr
