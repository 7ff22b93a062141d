"""Unit tests of the inventory plugin's pure parts, run by PeersPluginTest with ansible-core's python:
python -m unittest discover -s tests/unit (from the collection's directory)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "plugins", "inventory"))
import peers  # noqa: E402

ED = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOr0Xb4Y0oBvZ6dJ5oEW6mjxv7sAcLbSc0jd0lYWZ0Ht"


class PinnableKeys(unittest.TestCase):
    def test_keeps_type_and_base64_and_drops_a_comment(self):
        self.assertEqual(peers.pinnable_keys([ED + " root@web-1", "  " + ED + "\n"]), [ED, ED])

    def test_refuses_what_would_smuggle_a_line_or_a_marker_in(self):
        self.assertEqual(
            peers.pinnable_keys(
                [
                    ED + "\n@cert-authority * " + ED,
                    "@cert-authority * " + ED,
                    "ssh-ed25519 AAAA*",
                    "",
                    None,
                    "ssh-ed25519 " + "A" * 20000,
                ]
            ),
            [],
        )


class KnownHostsFile(unittest.TestCase):
    def test_a_new_file_is_the_header_and_the_block(self):
        text = peers.merged_known_hosts(None, "a " + ED + "\n")
        self.assertTrue(text.startswith(peers.KNOWN_HOSTS_HEADER))
        self.assertTrue(text.endswith(peers.BEGIN + "a " + ED + "\n" + peers.END))

    def test_only_the_block_is_replaced(self):
        existing = "mine 1\n" + peers.BEGIN + "old\n" + peers.END + "learnt 2\n"
        self.assertEqual(
            peers.merged_known_hosts(existing, "new\n"), "mine 1\n" + peers.BEGIN + "new\n" + peers.END + "learnt 2\n"
        )

    def test_a_file_without_a_block_gets_one_at_the_end(self):
        self.assertEqual(peers.merged_known_hosts("mine 1", ""), "mine 1\n" + peers.BEGIN + peers.END)


class Peers(unittest.TestCase):
    STATUS = {
        "BackendState": "Running",
        "Self": {"DNSName": "gw.tail1234.ts.net.", "sshHostKeys": [ED]},
        "Peer": {
            "nodekey:b": {"DNSName": "Web-1.tail1234.ts.net.", "HostName": "web-1", "TailscaleIPs": ["100.64.0.11"],
                          "OS": "linux", "Online": True, "Tags": ["tag:web"], "sshHostKeys": [ED],
                          "LastSeen": "0001-01-01T00:00:00Z"},
            "nodekey:a": {"DNSName": "", "HostName": "nameless"},
        },
    }

    def test_peers_are_named_by_magicdns_in_lower_case_and_self_is_left_out(self):
        [web] = peers.peers_of(self.STATUS)
        self.assertEqual(web["name"], "web-1.tail1234.ts.net")
        self.assertIsNone(web["last_seen"])
        self.assertEqual(peers.groups_of(web), ["tailnet", "online", "os_linux", "tag_web"])
        self.assertEqual(peers.known_hosts_text([web]), "web-1.tail1234.ts.net,100.64.0.11 " + ED + "\n")

    def test_the_default_socket_is_the_running_tailgates_when_its_run_state_names_one(self):
        with tempfile.TemporaryDirectory() as run:
            env = {"TAILGATE_RUN_DIR": run}
            self.assertEqual(peers.default_socket(env), peers.DEFAULT_SOCKET)
            with open(os.path.join(run, "status.json"), "w") as f:
                json.dump({"pid": os.getpid(), "socket": "/run/tg/tailscaled.sock"}, f)
            self.assertEqual(peers.default_socket(env), "/run/tg/tailscaled.sock")

    def test_reads_the_socket_from_the_run_state_as_tailgate_up_writes_it(self):
        # gateway.RunState's layout (Jackson, indented), socket last; GatewayTest holds the Java side.
        written = (
            '{\n  "pid" : %d,\n  "ready" : true,\n  "relay" : "127.0.0.1:1080",\n'
            '  "state_dir" : "/home/a/.local/state/tailgate/tailscaled",\n  "open_connections" : 0,\n'
            '  "total_connections" : 3,\n  "socket" : "/home/a/.local/state/tailgate/tailscaled.sock"\n}'
        )
        with tempfile.TemporaryDirectory() as run:
            env = {"TAILGATE_RUN_DIR": run}
            with open(os.path.join(run, "status.json"), "w") as f:
                f.write(written % os.getpid())
            self.assertEqual(peers.default_socket(env), "/home/a/.local/state/tailgate/tailscaled.sock")

    def test_a_run_state_whose_tailgate_is_gone_names_no_socket(self):
        with tempfile.TemporaryDirectory() as run:
            env = {"TAILGATE_RUN_DIR": run}
            gone = subprocess.Popen(["true"])
            gone.wait()
            with open(os.path.join(run, "status.json"), "w") as f:
                json.dump({"pid": gone.pid, "socket": "/run/tg/tailscaled.sock"}, f)
            self.assertEqual(peers.default_socket(env), peers.DEFAULT_SOCKET)


if __name__ == "__main__":
    unittest.main()
