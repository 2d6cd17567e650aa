//! Certificates of completed courses.

use crate::client::Client;
use crate::error::Result;
use crate::http::Call;
use pintar_core::api::Certificate;

/// `client.certificates()`: look certificates up by code.
#[derive(Debug, Clone, Copy)]
pub struct CertificatesHandler<'a> {
    client: &'a Client,
}

impl<'a> CertificatesHandler<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// The certificate with this code (`GET /certificates/{code}`), public: anyone can
    /// verify one. A code that does not exist is a 404 [`ApiError`](crate::ApiError).
    ///
    /// ```no_run
    /// # async fn demo(client: pintar_sdk::Client) -> pintar_sdk::Result<()> {
    /// let cert = client.certificates().get("PE-7K3M-9QXD-2HWA").await?;
    /// println!("{} completed {}", cert.learner, cert.course_title);
    /// # Ok(()) }
    /// ```
    pub async fn get(self, code: &str) -> Result<Certificate> {
        self.client
            .json(Call::get(["certificates", code.trim()]).anonymous())
            .await
    }
}
