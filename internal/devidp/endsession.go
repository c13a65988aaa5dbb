package devidp

import (
	"net/http"
	"net/url"
	"strconv"
)

// serveEndSession is RP-initiated logout: it redirects to an allowed
// post_logout_redirect_uri (with the state), else shows a page.
func (s *Server) serveEndSession(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "invalid_request", "The request could not be read: "+err.Error())
		return
	}
	note(r.Context()).ClientID = r.Form.Get("client_id")
	target := r.Form.Get("post_logout_redirect_uri")
	if target == "" {
		pageHeaders(w)
		_ = pages.ExecuteTemplate(w, "signedout", nil)
		return
	}
	if !s.redirectAllowed(target) {
		s.errorPage(w, r, http.StatusBadRequest, "invalid_request",
			"The post_logout_redirect_uri "+strconv.Quote(target)+" is not allowed: use a loopback URI or one given with --redirect-uri.")
		return
	}
	u, _ := url.Parse(target)
	if r.Form.Has("state") {
		q := u.Query()
		q.Set("state", r.Form.Get("state"))
		u.RawQuery = q.Encode()
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusFound)
}
