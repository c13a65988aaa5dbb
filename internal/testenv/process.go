package testenv

import (
	"bufio"
	"encoding/json"
	"io"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// StartReady starts cmd, a server that prints one JSON line on stdout
// when it is ready, decodes that line into ready, and stops the server
// when the test ends (SIGTERM, then kill after 5 s; it also sees its
// stdin close). The returned buffer holds its stderr, for failure
// messages. A server that exits or stays silent for 30 s fails the test.
func StartReady(t testing.TB, cmd *exec.Cmd, ready any) *Buffer {
	t.Helper()
	name := cmd.Path
	if len(cmd.Args) > 1 {
		name = cmd.Args[1]
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("%s did not stop on SIGTERM within 5s; killed", name)
		}
		stdin.Close()
	})
	decoded := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadBytes('\n')
		if err == nil {
			err = json.Unmarshal(line, ready)
		}
		decoded <- err
		io.Copy(io.Discard, stdout)
	}()
	select {
	case err := <-decoded:
		if err != nil {
			t.Fatalf("%s printed no ready line: %v\n%s", name, err, stderr.String())
		}
	case <-exited:
		t.Fatalf("%s exited before it was ready\n%s", name, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("%s was not ready within 30s\n%s", name, stderr.String())
	}
	return stderr
}
