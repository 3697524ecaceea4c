"""`zhudai serve`: web (gunicorn) + Huey worker and scheduler, for a single machine."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the web server, the background worker and the scheduler together (one-machine deployment)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))

    def handle(self, *args, host, port, workers, **options):
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        bin_dir = os.path.dirname(sys.executable)
        web = [os.path.join(bin_dir, "gunicorn"), "zhudai.wsgi", "--bind", f"{host}:{port}",
               "--workers", str(workers), "--access-logfile", "-", "--graceful-timeout", "10",
               "--timeout", "300"]  # a streamed CSV export of a large list takes a while
        worker = [os.path.join(bin_dir, "zhudai"), "run_huey"]
        children = [subprocess.Popen(web), subprocess.Popen(worker)]
        self.stdout.write(self.style.SUCCESS(f"zhudai 已启动: http://{host}:{port}/  （Ctrl+C 停止）"))
        stop = {"now": False}

        def on_signal(signum, frame):
            stop["now"] = True

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        try:
            while not stop["now"] and all(c.poll() is None for c in children):
                time.sleep(0.5)
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()
        failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, None)]
        if failed and not stop["now"]:
            sys.exit("有进程意外退出，zhudai 已停止。")
