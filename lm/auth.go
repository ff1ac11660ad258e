package lm

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
)

// Sign computes the LMv1 signature of one request: base64 of the lowercase
// hex text of HMAC-SHA256(accessKey, verb+epoch+body+resourcePath).
// resourcePath is the path after /santaba/rest, without the query; body is
// the exact bytes sent (nil for GET). LogicMonitor encodes the hex text, not
// the raw digest, which is why the result is 88 characters long.
func Sign(accessKey, verb string, epochMS int64, body []byte, resourcePath string) string {
	mac := hmac.New(sha256.New, []byte(accessKey))
	mac.Write([]byte(verb))
	mac.Write([]byte(strconv.FormatInt(epochMS, 10)))
	mac.Write(body)
	mac.Write([]byte(resourcePath))
	return base64.StdEncoding.EncodeToString([]byte(hex.EncodeToString(mac.Sum(nil))))
}

// authorization returns the Authorization header value for one attempt. It is
// computed per attempt because the LMv1 epoch must be close to the portal's
// clock, also on a retry after a long rate-limit wait.
func (c *Client) authorization(method, resourcePath string, body []byte) string {
	if c.bearer != "" {
		return "Bearer " + c.bearer
	}
	epoch := c.now().UnixMilli()
	return "LMv1 " + c.accessID + ":" + Sign(c.accessKey, method, epoch, body, resourcePath) + ":" + strconv.FormatInt(epoch, 10)
}
