// goencrypt writes values the way kube-apiserver does, with Kubernetes' own value
// transformers (k8s.io/apiserver storage/value), so that etcdtui's reading of the formats
// is checked against Kubernetes' code rather than against our reading of the docs. It
// also serves a KMS v2 plugin (k8s.io/kms) on a unix socket. Test use only.
//
//	goencrypt seal PROVIDER KEYNAME BASE64KEY ETCDKEY < plaintext > value
//	    PROVIDER: aescbc, aesgcm or secretbox
//	goencrypt kms-plugin SOCKET BASE64KEK
//	    serves until killed; prints "ready" once listening
//	goencrypt kms-seal SOCKET PROVIDERNAME ETCDKEY seed|key < plaintext > value
//	    as kube-apiserver's KMS v2 provider writes it, the DEK or seed encrypted by the
//	    plugin at SOCKET
package main

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"k8s.io/apiserver/pkg/storage/value"
	aestransformer "k8s.io/apiserver/pkg/storage/value/encrypt/aes"
	"k8s.io/apiserver/pkg/storage/value/encrypt/envelope/kmsv2"
	"k8s.io/apiserver/pkg/storage/value/encrypt/secretbox"
	kmsservice "k8s.io/kms/pkg/service"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "goencrypt:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: seal | kms-plugin | kms-seal")
	}
	switch {
	case args[0] == "seal" && len(args) == 5:
		return seal(args[1], args[2], args[3], args[4])
	case args[0] == "kms-plugin" && len(args) == 3:
		return plugin(args[1], args[2])
	case args[0] == "kms-seal" && len(args) == 5:
		return kmsSeal(args[1], args[2], args[3], args[4] == "seed")
	}
	return fmt.Errorf("bad arguments: %q", args)
}

// write runs the plaintext on stdin through t under the etcd key, as the storage layer
// does (the etcd key is the authenticated data), and writes the stored value to stdout.
func write(t value.Transformer, etcdKey string) error {
	plain, err := io.ReadAll(os.Stdin)
	if err != nil {
		return err
	}
	out, err := t.TransformToStorage(context.Background(), plain, value.DefaultContext(etcdKey))
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(out)
	return err
}

func seal(provider, name, b64, etcdKey string) error {
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return err
	}
	var t value.Transformer
	switch provider {
	case "aescbc", "aesgcm":
		block, err := aes.NewCipher(key)
		if err != nil {
			return err
		}
		if provider == "aescbc" {
			t = aestransformer.NewCBCTransformer(block)
		} else if t, err = aestransformer.NewGCMTransformer(block); err != nil {
			return err
		}
	case "secretbox":
		var k [32]byte
		if len(key) != 32 {
			return errors.New("secretbox needs a 32-byte key")
		}
		copy(k[:], key)
		t = secretbox.NewSecretboxTransformer(k)
	default:
		return fmt.Errorf("unknown provider %q", provider)
	}
	prefix := "k8s:enc:" + provider + ":v1:" + name + ":"
	return write(value.NewPrefixTransformers(nil, value.PrefixTransformer{Prefix: []byte(prefix), Transformer: t}), etcdKey)
}

// kek is a KMS v2 plugin that wraps DEKs with AES-GCM under one key-encryption key.
type kek struct{ aead cipher.AEAD }

const kekID = "etcdtui-test-kek-1"

func (k *kek) Encrypt(_ context.Context, _ string, data []byte) (*kmsservice.EncryptResponse, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return &kmsservice.EncryptResponse{
		Ciphertext:  k.aead.Seal(nonce, nonce, data, nil),
		KeyID:       kekID,
		Annotations: map[string][]byte{"version.kms.etcdtui.test": []byte("1")},
	}, nil
}

func (k *kek) Decrypt(_ context.Context, _ string, req *kmsservice.DecryptRequest) ([]byte, error) {
	n := k.aead.NonceSize()
	if req.KeyID != kekID || len(req.Ciphertext) < n {
		return nil, errors.New("not ours")
	}
	return k.aead.Open(nil, req.Ciphertext[:n], req.Ciphertext[n:], nil)
}

func (k *kek) Status(context.Context) (*kmsservice.StatusResponse, error) {
	return &kmsservice.StatusResponse{Version: "v2", Healthz: "ok", KeyID: kekID}, nil
}

func plugin(socket, b64 string) error {
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return err
	}
	svc := kmsservice.NewGRPCService(socket, 5*time.Second, &kek{aead: aead})
	go func() {
		// ListenAndServe blocks; the socket appears once it listens.
		for i := 0; i < 500; i++ {
			if _, err := os.Stat(socket); err == nil {
				fmt.Println("ready")
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	return svc.ListenAndServe()
}

func kmsSeal(socket, name, etcdKey string, useSeed bool) error {
	ctx := context.Background()
	svc, err := kmsv2.NewGRPCService(ctx, "unix://"+socket, name, 5*time.Second)
	if err != nil {
		return err
	}
	t, obj, cacheKey, err := kmsv2.GenerateTransformer(ctx, "etcdtui-test", svc, useSeed)
	if err != nil {
		return err
	}
	state := kmsv2.State{
		Transformer:                           t,
		EncryptedObjectKeyID:                  obj.KeyID,
		EncryptedObjectEncryptedDEKSource:     obj.EncryptedDEKSource,
		EncryptedObjectAnnotations:            obj.Annotations,
		EncryptedObjectEncryptedDEKSourceType: obj.EncryptedDEKSourceType,
		UID:                                   "etcdtui-test",
		ExpirationTimestamp:                   time.Now().Add(time.Hour),
		CacheKey:                              cacheKey,
		KMSProviderName:                       name,
	}
	env := kmsv2.NewEnvelopeTransformer(svc, name, func() (kmsv2.State, error) { return state, nil }, "etcdtui-test")
	prefix := "k8s:enc:kms:v2:" + name + ":"
	return write(value.NewPrefixTransformers(nil, value.PrefixTransformer{Prefix: []byte(prefix), Transformer: env}), etcdKey)
}
