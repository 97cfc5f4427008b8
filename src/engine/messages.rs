//! What findings say, as data: the engine records *which* reason applies and its values, and the
//! text is written in the reader's language only when a report is rendered. One table below holds
//! both languages of every program-written reason, so they cannot drift apart.

use crate::dates::format as day;
use crate::i18n::{Lang, Text};
use crate::inventory::AttestationStatus;
use time::Date;

#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// Already written in both languages (rule messages, evidence gaps).
    Text(Text),
    NoAttestation,
    /// Attested as partial, planned or not implemented.
    AttestedAs(AttestationStatus),
    NotApplicable {
        reason: String,
    },
    Implemented {
        evidence: String,
        reviewed: Date,
    },
    NoEvidenceReference,
    NoReviewDate,
    ReviewedAfterEvaluation {
        reviewed: Date,
    },
    Stale {
        reviewed: Date,
        months: u32,
        until: Date,
    },
    WaiverExpired {
        expires: Date,
    },
    NoEvidence,
    NotInCatalogue {
        control: String,
        catalogue: String,
    },
}

fn vi_status(s: AttestationStatus) -> &'static str {
    match s {
        AttestationStatus::Implemented => "đã triển khai",
        AttestationStatus::Partial => "triển khai một phần",
        AttestationStatus::Planned => "đang lập kế hoạch",
        AttestationStatus::NotImplemented => "chưa triển khai",
        AttestationStatus::NotApplicable => "không áp dụng",
    }
}

impl Message {
    pub fn render(&self, lang: Lang) -> String {
        use Message::*;
        let vi = lang == Lang::Vi;
        match self {
            Text(t) => t.get(lang).to_string(),
            NoAttestation if vi => "chưa có xác nhận (trạng thái, bằng chứng, ngày rà soát) cho biện pháp này".into(),
            NoAttestation => "no attestation (status, evidence, review date) for this control".into(),
            AttestedAs(s) if vi => format!("tự xác nhận ở trạng thái {}", vi_status(*s)),
            AttestedAs(s) => format!("attested as {}", s.as_str()),
            NotApplicable { reason } if vi => format!("xác nhận không áp dụng: {reason}"),
            NotApplicable { reason } => format!("attested not applicable: {reason}"),
            Implemented { evidence, reviewed } if vi => {
                format!("xác nhận đã triển khai ({evidence}), rà soát ngày {}", day(*reviewed))
            }
            Implemented { evidence, reviewed } => {
                format!("attested implemented ({evidence}), reviewed {}", day(*reviewed))
            }
            NoEvidenceReference if vi => {
                "xác nhận đã triển khai nhưng không nêu `evidence:` (tài liệu bằng chứng)".into()
            }
            NoEvidenceReference => "attested implemented but without an `evidence:` reference".into(),
            NoReviewDate if vi => "xác nhận đã triển khai nhưng không có ngày rà soát `reviewed:`".into(),
            NoReviewDate => "attested implemented but without a `reviewed:` date".into(),
            ReviewedAfterEvaluation { reviewed } if vi => format!("ngày rà soát {} sau ngày đánh giá", day(*reviewed)),
            ReviewedAfterEvaluation { reviewed } => {
                format!("reviewed on {}, after the evaluation date", day(*reviewed))
            }
            Stale { reviewed, months, until } if vi => {
                format!(
                    "xác nhận đã quá hạn: rà soát ngày {}, hiệu lực {months} tháng (đến {})",
                    day(*reviewed),
                    day(*until)
                )
            }
            Stale { reviewed, months, until } => {
                format!(
                    "attestation is stale: reviewed {}, valid for {months} months (until {})",
                    day(*reviewed),
                    day(*until)
                )
            }
            WaiverExpired { expires } if vi => {
                format!("miễn trừ đã hết hạn ngày {}; không còn hiệu lực", day(*expires))
            }
            WaiverExpired { expires } => format!("waiver expired on {}; it no longer applies", day(*expires)),
            NoEvidence if vi => "không có bằng chứng cho biện pháp này".into(),
            NoEvidence => "no evidence shows this control".into(),
            NotInCatalogue { control, catalogue } if vi => {
                format!("biện pháp {control} không có trong danh mục {catalogue}")
            }
            NotInCatalogue { control, catalogue } => format!("control {control} is not in catalogue {catalogue}"),
        }
    }
}

impl From<Text> for Message {
    fn from(t: Text) -> Self {
        Message::Text(t)
    }
}
