package lmfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// maxSkew is how far an LMv1 epoch may be from the portal clock.
const maxSkew = 30 * time.Minute

// authenticate checks the Authorization header: "LMv1 id:signature:epoch" or
// "Bearer token". The LMv1 check is written here from the published algorithm,
// independently of the client's signer, so that each checks the other.
func (p *Portal) authenticate(header, method, resource string, body []byte) bool {
	if cred, ok := strings.CutPrefix(header, "LMv1 "); ok {
		return p.checkLMv1(cred, method, resource, body)
	}
	if tok, ok := strings.CutPrefix(header, "Bearer "); ok {
		return p.cfg.BearerToken != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(p.cfg.BearerToken)) == 1
	}
	return false
}

// checkLMv1 recomputes base64(hex(HMAC-SHA256(key, VERB+EPOCH+BODY+PATH)))
// over the exact body bytes and the resource path without query string.
func (p *Portal) checkLMv1(cred, method, resource string, body []byte) bool {
	if p.cfg.AccessID == "" {
		return false
	}
	parts := strings.Split(cred, ":")
	if len(parts) != 3 {
		return false
	}
	id, signature, epochText := parts[0], parts[1], parts[2]
	if subtle.ConstantTimeCompare([]byte(id), []byte(p.cfg.AccessID)) != 1 {
		return false
	}
	epoch, err := strconv.ParseInt(epochText, 10, 64)
	if err != nil || epoch <= 0 {
		return false
	}
	skew := time.Duration(p.now().UnixMilli()-epoch) * time.Millisecond
	if skew > maxSkew || skew < -maxSkew {
		return false
	}
	mac := hmac.New(sha256.New, []byte(p.cfg.AccessKey))
	mac.Write([]byte(method + epochText))
	mac.Write(body)
	mac.Write([]byte(resource))
	want := base64.StdEncoding.EncodeToString([]byte(hex.EncodeToString(mac.Sum(nil))))
	return hmac.Equal([]byte(signature), []byte(want))
}
