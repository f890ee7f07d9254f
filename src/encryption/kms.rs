//! KMS envelopes: v2's `EncryptedObject` protobuf (k8s.io/apiserver kmsv2/v2/api.proto)
//! and v1's length-prefixed DEK, shown as they are; and the KMS v2 plugin's gRPC
//! `Decrypt` (k8s.io/kms apis/v2/api.proto, service `v2.KeyManagementService`) over its
//! unix socket to get the DEK back.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use prost::Message;
use zeroize::Zeroizing;

use super::config::KmsProvider;

/// Longest a plugin call may take; a configured `timeout` shorter than this wins.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Clone, PartialEq, prost::Message)]
pub struct EncryptedObject {
    #[prost(bytes = "vec", tag = "1")]
    pub encrypted_data: Vec<u8>,
    #[prost(string, tag = "2")]
    pub key_id: String,
    #[prost(bytes = "vec", tag = "3")]
    pub encrypted_dek_source: Vec<u8>,
    #[prost(btree_map = "string, bytes", tag = "4")]
    pub annotations: BTreeMap<String, Vec<u8>>,
    #[prost(int32, tag = "5")]
    pub encrypted_dek_source_type: i32,
}

pub const AES_GCM_KEY: i32 = 0;
pub const HKDF_SHA256_XNONCE_AES_GCM_SEED: i32 = 1;

impl EncryptedObject {
    pub fn parse(data: &[u8]) -> Result<EncryptedObject, String> {
        EncryptedObject::decode(data).map_err(|_| "not a KMS v2 EncryptedObject".to_string())
    }

    pub fn source_type(&self) -> String {
        match self.encrypted_dek_source_type {
            AES_GCM_KEY => "AES_GCM_KEY".into(),
            HKDF_SHA256_XNONCE_AES_GCM_SEED => "HKDF_SHA256_XNONCE_AES_GCM_SEED".into(),
            n => format!("unknown ({n})"),
        }
    }

    /// One line per field, sizes for the byte fields (they are ciphertext).
    pub fn describe(&self) -> Vec<String> {
        let mut out = vec![
            format!("KMS v2 key ID: {}", self.key_id),
            format!(
                "encrypted DEK source: {} bytes, type {}",
                self.encrypted_dek_source.len(),
                self.source_type()
            ),
            format!("encrypted data: {} bytes", self.encrypted_data.len()),
        ];
        for (k, v) in &self.annotations {
            out.push(format!("annotation {k}: {} bytes", v.len()));
        }
        out
    }
}

/// KMS v1: a 2-byte big-endian DEK length, the encrypted DEK, then the data.
pub fn describe_v1(data: &[u8]) -> Vec<String> {
    match data {
        [a, b, rest @ ..] => {
            let n = u16::from_be_bytes([*a, *b]) as usize;
            if rest.len() < n {
                return vec!["KMS v1 envelope cut short".into()];
            }
            vec![
                format!("KMS v1 encrypted DEK: {n} bytes"),
                format!("encrypted data: {} bytes", rest.len() - n),
            ]
        }
        _ => vec!["KMS v1 envelope cut short".into()],
    }
}

#[derive(Clone, PartialEq, prost::Message)]
struct DecryptRequest {
    #[prost(bytes = "vec", tag = "1")]
    ciphertext: Vec<u8>,
    #[prost(string, tag = "2")]
    uid: String,
    #[prost(string, tag = "3")]
    key_id: String,
    #[prost(btree_map = "string, bytes", tag = "4")]
    annotations: BTreeMap<String, Vec<u8>>,
}

/// The plaintext DEK: no derived Debug.
#[derive(Clone, PartialEq, prost::Message)]
#[prost(skip_debug)]
struct DecryptResponse {
    #[prost(bytes = "vec", tag = "1")]
    plaintext: Vec<u8>,
}

impl fmt::Debug for DecryptResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DecryptResponse(redacted)")
    }
}

pub type Dek = Arc<Zeroizing<Vec<u8>>>;

type Cache = Mutex<BTreeMap<(String, String, Vec<u8>), Result<Dek, String>>>;

/// DEKs (and failures) by (plugin, its endpoint, encrypted DEK source): one plugin call per DEK, as
/// the API server caches them, so scrolling through Secrets does not call it each time.
fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(BTreeMap::new()))
}

/// The DEK (or seed) for `obj`, from the cache or the plugin. Blocks up to the timeout:
/// called from rendering, which must not hold a runtime, so it runs the call on a thread
/// of its own.
pub fn dek(provider: &KmsProvider, obj: &EncryptedObject) -> Result<Dek, String> {
    let key = (
        provider.name.clone(),
        provider.endpoint.clone(),
        obj.encrypted_dek_source.clone(),
    );
    if let Ok(c) = cache().lock()
        && let Some(hit) = c.get(&key)
    {
        return hit.clone();
    }
    let socket = socket_path(&provider.endpoint)
        .ok_or_else(|| {
            format!(
                "KMS provider {}: endpoint {:?} is not a unix:// socket",
                provider.name, provider.endpoint
            )
        })?
        .to_string();
    let timeout = provider.timeout.unwrap_or(MAX_TIMEOUT).min(MAX_TIMEOUT);
    let req = DecryptRequest {
        ciphertext: obj.encrypted_dek_source.clone(),
        uid: "etcdtui".into(),
        key_id: obj.key_id.clone(),
        annotations: obj.annotations.clone(),
    };
    let name = provider.name.clone();
    let joined = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start a runtime for the KMS call: {e}"))?;
        rt.block_on(call(&socket, req, timeout))
            .map_err(|e| format!("KMS plugin {name} at unix://{socket}: {e}"))
    })
    .join();
    let result = match joined {
        Ok(r) => r.map(|p| Arc::new(Zeroizing::new(p))),
        Err(_) => Err("the KMS call failed".to_string()),
    };
    if let Ok(mut c) = cache().lock() {
        c.insert(key, result.clone());
    }
    result
}

/// Forget cached DEKs and failures (a plugin that was down may be up now).
pub fn forget() {
    if let Ok(mut c) = cache().lock() {
        c.clear();
    }
}

fn socket_path(endpoint: &str) -> Option<&str> {
    endpoint
        .strip_prefix("unix://")
        .filter(|p| p.starts_with('/') || p.starts_with('@'))
}

async fn call(socket: &str, req: DecryptRequest, timeout: Duration) -> Result<Vec<u8>, String> {
    let path = socket.to_string();
    let connector = tower::service_fn(move |_: tonic::codegen::http::Uri| {
        let path = path.clone();
        async move {
            let s = tokio::net::UnixStream::connect(path).await?;
            Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(s))
        }
    });
    let work = async {
        let channel = tonic::transport::Endpoint::from_static("http://kms.invalid")
            .connect_with_connector(connector)
            .await
            .map_err(|e| format!("not answering: {}", source_text(&e)))?;
        let mut grpc = tonic::client::Grpc::new(channel);
        grpc.ready().await.map_err(|e| format!("not ready: {e}"))?;
        let path = tonic::codegen::http::uri::PathAndQuery::from_static(
            "/v2.KeyManagementService/Decrypt",
        );
        let resp = grpc
            .unary(
                tonic::Request::new(req),
                path,
                tonic_prost::ProstCodec::<DecryptRequest, DecryptResponse>::default(),
            )
            .await
            .map_err(|s| format!("Decrypt refused: {:?}: {}", s.code(), s.message()))?;
        Ok(resp.into_inner().plaintext)
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(r) => r,
        Err(_) => Err(format!("no answer within {timeout:?}")),
    }
}

fn source_text(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(inner) = cur {
        s = format!("{s}: {inner}");
        cur = inner.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_describes_an_encrypted_object() {
        let obj = EncryptedObject {
            encrypted_data: vec![1; 40],
            key_id: "key-7".into(),
            encrypted_dek_source: vec![2; 64],
            annotations: BTreeMap::from([("kms.example.com/v".into(), vec![3; 5])]),
            encrypted_dek_source_type: HKDF_SHA256_XNONCE_AES_GCM_SEED,
        };
        let back = EncryptedObject::parse(&obj.encode_to_vec()).unwrap();
        assert_eq!(back, obj);
        assert_eq!(
            back.describe(),
            [
                "KMS v2 key ID: key-7",
                "encrypted DEK source: 64 bytes, type HKDF_SHA256_XNONCE_AES_GCM_SEED",
                "encrypted data: 40 bytes",
                "annotation kms.example.com/v: 5 bytes",
            ]
        );
        assert!(EncryptedObject::parse(&[0xff, 0xff]).is_err());
        assert_eq!(
            describe_v1(&[0, 3, 9, 9, 9, 1, 2]),
            ["KMS v1 encrypted DEK: 3 bytes", "encrypted data: 2 bytes"]
        );
        assert_eq!(describe_v1(&[0, 9, 1]), ["KMS v1 envelope cut short"]);
    }

    #[test]
    fn a_plugin_that_is_not_there_is_named() {
        let p = KmsProvider {
            name: "absent".into(),
            api_version: "v2".into(),
            endpoint: "unix:///nonexistent/kms.sock".into(),
            timeout: Some(Duration::from_millis(500)),
        };
        let obj = EncryptedObject {
            encrypted_dek_source: vec![1],
            ..Default::default()
        };
        let e = dek(&p, &obj).unwrap_err();
        assert!(
            e.starts_with("KMS plugin absent at unix:///nonexistent/kms.sock: not answering"),
            "{e}"
        );
        let tcp = KmsProvider {
            endpoint: "tcp://1.2.3.4:1".into(),
            ..p
        };
        assert!(
            dek(&tcp, &obj)
                .unwrap_err()
                .contains("not a unix:// socket")
        );
    }
}
