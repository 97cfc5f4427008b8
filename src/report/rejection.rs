//! Why a report is not accepted as its agency's: the one refusal type of signature checking
//! ([`super::sign`]) and verification ([`super::verify`]), with its words in both languages and the
//! national service's `error.code`.

/// Why a report is not accepted as its agency's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// Not JSON.
    Malformed(String),
    /// No top-level `signature` member.
    Unsigned,
    /// The verifier holds no public key for the agency.
    UnknownKey(String),
    /// The only keys of the agency that verify the signature are revoked (or outside their
    /// validity window) at the time of receipt.
    RevokedKey(String),
    /// Signed with a key id that is not the report's agency (another agency's key).
    ForeignKey { agency: String, key_id: String },
    /// The bytes are not the canonical form a signer writes (edited, re-formatted, or signed raw).
    NotCanonical(String),
    /// The signature does not match the content and the agency's key.
    BadSignature,
    /// A signed report holds exactly one agency.
    SeveralAgencies(usize),
    /// Not a `tuanthu/report/v1` document: a member missing, unknown or out of its range.
    Schema(String),
    /// The period is not the one of the report's evaluation date, or lies in the future.
    BadPeriod(String),
    /// A stated figure or control list that does not re-derive from the report's statuses.
    Inconsistent(String),
}

impl Rejection {
    /// The reason in both languages (`Display` is the English one); the detail a check found
    /// (a member's name, a figure) is kept as written.
    pub fn text(&self) -> crate::i18n::Text {
        let en = self.to_string();
        let vi = match self {
            Rejection::Malformed(m) => format!("báo cáo hỏng: {m}"),
            Rejection::Unsigned => "chưa được ký".to_string(),
            Rejection::UnknownKey(a) => format!("không có khoá công khai của cơ quan `{a}`"),
            Rejection::RevokedKey(k) => {
                format!("được ký bằng khoá {k}, khoá đã bị thu hồi hoặc ngoài thời hạn hiệu lực lúc nhận")
            }
            Rejection::ForeignKey { agency, key_id } => {
                format!("báo cáo của cơ quan `{agency}` được ký bằng khoá của `{key_id}`")
            }
            Rejection::NotCanonical(m) => {
                format!("không ở dạng chuẩn khi được ký ({m}): đã bị sửa sau khi ký, hoặc ký trên dữ liệu thô")
            }
            Rejection::BadSignature => "chữ ký sai (nội dung bị sửa hoặc sai khoá)".to_string(),
            Rejection::SeveralAgencies(n) => format!("báo cáo phải chứa đúng một cơ quan, báo cáo này có {n}"),
            Rejection::Schema(m) => format!("không phải tài liệu tuanthu/report/v1 hợp lệ: {m}"),
            Rejection::BadPeriod(m) => format!("kỳ báo cáo sai: {m}"),
            Rejection::Inconsistent(m) => format!("số liệu không tính lại được từ trạng thái các biện pháp: {m}"),
        };
        crate::i18n::Text::new(en, vi)
    }

    /// The service's `error.code` for this refusal.
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::Malformed(_) | Rejection::Schema(_) => "schema",
            Rejection::Unsigned => "unsigned",
            Rejection::UnknownKey(_) => "unknown_key",
            Rejection::RevokedKey(_) => "revoked_key",
            Rejection::ForeignKey { .. } | Rejection::BadSignature => "bad_signature",
            Rejection::NotCanonical(_) => "not_canonical",
            Rejection::SeveralAgencies(_) => "several_agencies",
            Rejection::BadPeriod(_) => "bad_period",
            Rejection::Inconsistent(_) => "inconsistent",
        }
    }
}

impl std::error::Error for Rejection {}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::Malformed(m) => write!(f, "malformed report: {m}"),
            Rejection::Unsigned => f.write_str("unsigned"),
            Rejection::UnknownKey(a) => write!(f, "no public key for agency `{a}`"),
            Rejection::RevokedKey(k) => {
                write!(f, "signed with key {k}, which is revoked or outside its validity window at the time of receipt")
            }
            Rejection::ForeignKey { agency, key_id } => {
                write!(f, "report of agency `{agency}` signed with the key of `{key_id}`")
            }
            Rejection::NotCanonical(m) => {
                write!(f, "not in the canonical form it was signed in ({m}): modified after signing, or signed raw")
            }
            Rejection::BadSignature => f.write_str("bad signature (content altered or wrong key)"),
            Rejection::SeveralAgencies(n) => write!(f, "a report must hold exactly one agency, this one has {n}"),
            Rejection::Schema(m) => write!(f, "not a valid tuanthu/report/v1 document: {m}"),
            Rejection::BadPeriod(m) => write!(f, "bad period: {m}"),
            Rejection::Inconsistent(m) => write!(f, "figures do not re-derive from the control statuses: {m}"),
        }
    }
}
