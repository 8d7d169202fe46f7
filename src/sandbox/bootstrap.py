# First code to run in the sandbox: unpack the job the service streams into stdin, then hand over to the
# supervisor that came in it. Kept tiny because it is passed on the command line.
import os, sys, tarfile
os.chdir("/sandbox")
with tarfile.open(fileobj=sys.stdin.buffer, mode="r|") as job:
    job.extractall("/sandbox")
os.close(0)
exec(compile(open("/sandbox/supervisor.py").read(), "supervisor.py", "exec"), {"__name__": "__main__"})
