package login

import (
	"context"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func startLoopback(t *testing.T) *loopback {
	t.Helper()
	l, err := listenLoopback(0, "/api/auth/callback/dev")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.close)
	return l
}

func get(t *testing.T, l *loopback, host, path string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://127.0.0.1:"+itoa(l.port())+path, nil)
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestLoopbackBindsLoopbackOnly(t *testing.T) {
	l := startLoopback(t)
	addr := l.ln.Addr().(*net.TCPAddr)
	if !addr.IP.Equal(net.IPv4(127, 0, 0, 1)) || addr.Port == 0 {
		t.Fatalf("bound to %s", addr)
	}
}

func TestLoopbackAnswersOnceAndRefusesTheRest(t *testing.T) {
	l := startLoopback(t)
	host := "localhost:" + itoa(l.port())
	if code, _, _ := get(t, l, "evil.example:"+itoa(l.port()), "/api/auth/callback/dev?code=c&state=s"); code != http.StatusBadRequest {
		t.Fatalf("DNS-rebinding Host answered %d", code)
	}
	if code, _, _ := get(t, l, host, "/api/auth/callback/other?code=c"); code != http.StatusNotFound {
		t.Fatalf("wrong path answered %d", code)
	}
	select {
	case <-l.got:
		t.Fatal("a refused request was taken as the callback")
	default:
	}
	code, body, h := get(t, l, host, "/api/auth/callback/dev?code=secret-code&state=secret-state")
	if code != http.StatusOK || strings.Contains(body, "secret-code") || h.Get("Referrer-Policy") != "no-referrer" || strings.Contains(body, "http") && strings.Contains(body, "src=") {
		t.Fatalf("callback page: %d %q %v", code, body, h)
	}
	cb, err := l.wait(context.Background())
	if err != nil || cb.params.Get("code") != "secret-code" {
		t.Fatalf("%v %v", err, cb.params)
	}
	if code, _, _ := get(t, l, host, "/api/auth/callback/dev?code=again"); code != http.StatusGone {
		t.Fatalf("second callback answered %d", code)
	}
	req, _ := http.NewRequest("DELETE", "http://"+host+"/api/auth/callback/dev", nil)
	req.URL.Host = "127.0.0.1:" + itoa(l.port())
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("DELETE: %v %v", err, resp)
	}
	resp.Body.Close()
}

func TestLoopbackTimeoutReleasesPortAndGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	l, err := listenLoopback(0, "/cb")
	if err != nil {
		t.Fatal(err)
	}
	port := l.port()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := l.wait(ctx); err == nil {
		t.Fatal("no timeout")
	}
	l.close()
	again, err := listenLoopback(port, "/cb")
	if err != nil {
		t.Fatalf("the port was not released: %v", err)
	}
	again.close()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines before, %d after", before, n)
	}
}

func TestLoopbackPortInUse(t *testing.T) {
	l := startLoopback(t)
	if _, err := listenLoopback(l.port(), "/cb"); err != errPortInUse {
		t.Fatalf("%v", err)
	}
}

// BenchmarkLoopbackCallback is the time from the browser's request to the
// loopback server's answer (the target: within 5 ms).
func BenchmarkLoopbackCallback(b *testing.B) {
	client := &http.Client{}
	b.ReportAllocs()
	b.StopTimer()
	for i := 0; i < b.N; i++ {
		l, err := listenLoopback(0, "/cb")
		if err != nil {
			b.Fatal(err)
		}
		url := "http://127.0.0.1:" + itoa(l.port()) + "/cb?code=c&state=s"
		req, _ := http.NewRequest("GET", url, nil)
		req.Host = "localhost:" + itoa(l.port())
		b.StartTimer()
		resp, err := client.Do(req)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		l.close()
	}
}
