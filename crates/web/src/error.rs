//! Errors and their renderings.
//!
//! [`AppError`] is the one error type of every handler. Its [`IntoResponse`] renders the API's
//! JSON body `{"error": {"code", "param", "message"}}`; the pages render the same error as HTML
//! from [`AppError::status`], [`AppError::code`], [`AppError::param`] and
//! [`AppError::message`]. Server errors are logged once, here, and answered with a generic
//! message that says nothing internal. Client errors are not logged: they are the client's
//! business, and their text may hold what the user typed.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use iop_core::vocabulary::Lang;
use serde::Serialize;

use crate::params::ParamError;

/// What can go wrong answering a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A search parameter is wrong (400 `bad_parameter`), or its location cannot be found (422
    /// `unknown_location`).
    #[error("{0}")]
    BadParameter(ParamError),
    /// No listing with that id (404 `not_found`).
    #[error("not found")]
    NotFound,
    /// The request took too long (503 `timeout`).
    #[error("timed out")]
    Timeout,
    /// Our fault (500 `internal`); the string is for the log only, never for the client.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<ParamError> for AppError {
    fn from(e: ParamError) -> AppError {
        AppError::BadParameter(e)
    }
}

impl From<iop_index::Error> for AppError {
    fn from(e: iop_index::Error) -> AppError {
        AppError::Internal(format!("index: {e}"))
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(e: tokio::task::JoinError) -> AppError {
        AppError::Internal(format!("search task failed: {e}"))
    }
}

impl AppError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadParameter(e) => e.status(),
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine code: `bad_parameter`, `unknown_location`, `not_found`, `timeout` or
    /// `internal`.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadParameter(e) => e.code(),
            AppError::NotFound => "not_found",
            AppError::Timeout => "timeout",
            AppError::Internal(_) => "internal",
        }
    }

    /// The parameter at fault, if any.
    pub fn param(&self) -> Option<&str> {
        match self {
            AppError::BadParameter(e) => Some(&e.param),
            _ => None,
        }
    }

    /// Places or values the user may have meant.
    pub fn suggestions(&self) -> Vec<String> {
        match self {
            AppError::BadParameter(e) => e.suggestions(),
            _ => Vec::new(),
        }
    }

    /// The message for the client, in `lang`. Never holds anything internal.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (AppError::BadParameter(e), _) => e.message(lang),
            (AppError::NotFound, Lang::En) => "There is no listing with that id.".to_owned(),
            (AppError::NotFound, Lang::Es) => {
                "No hay ningún centro con ese identificador.".to_owned()
            }
            (AppError::Timeout, Lang::En) => {
                "The search took too long. Please try again in a moment.".to_owned()
            }
            (AppError::Timeout, Lang::Es) => {
                "La búsqueda tardó demasiado. Inténtelo de nuevo en un momento.".to_owned()
            }
            (AppError::Internal(_), Lang::En) => "Something went wrong on our side. Please try \
                again. If you need help now, call or text 988, or call the SAMHSA helpline at \
                1-800-662-4357."
                .to_owned(),
            (AppError::Internal(_), Lang::Es) => "Algo falló de nuestro lado. Inténtelo de nuevo. \
                Si necesita ayuda ahora, llame o envíe un mensaje de texto al 988, o llame a la \
                línea de ayuda de SAMHSA al 1-800-662-4357."
                .to_owned(),
        }
    }

    /// Logs a server error (once per response: called only when rendering it). Client errors
    /// are not logged.
    pub fn log(&self) {
        match self {
            AppError::Internal(detail) => tracing::error!(error = %detail, "internal error"),
            AppError::Timeout => tracing::warn!("request timed out"),
            _ => {}
        }
    }

    /// The JSON body, in `lang`.
    pub fn body(&self, lang: Lang) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                param: self.param().map(str::to_owned),
                message: self.message(lang),
                suggestions: self.suggestions(),
            },
        }
    }

    /// The JSON response in `lang` (the API uses the request's `lang`).
    pub fn into_json_response(self, lang: Lang) -> Response {
        self.log();
        (self.status(), Json(self.body(lang))).into_response()
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.into_json_response(Lang::En)
    }
}

/// The JSON error body: `{"error": {...}}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code: `bad_parameter`, `unknown_location`, `not_found`, `timeout`,
    /// `internal`.
    #[schema(example = "bad_parameter")]
    pub code: &'static str,
    /// The parameter at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "radius_mi")]
    pub param: Option<String>,
    /// One sentence for a person, in the request's `lang`.
    #[schema(example = "radius_mi must be a number from 1 to 500")]
    pub message: String,
    /// Places or values the user may have meant (`unknown_location`, unknown filter values).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_say_nothing_internal() {
        let e = AppError::Internal("disk /var/lib/secret is full".into());
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_string(&e.body(Lang::En)).expect("serialises");
        assert!(!body.contains("secret"), "{body}");
        assert!(body.contains("\"code\":\"internal\"") && body.contains("988"), "{body}");
        assert!(!body.contains("\"param\""), "no param key when there is none: {body}");
    }

    #[test]
    fn json_shape_of_a_bad_parameter() {
        let e: AppError = crate::params::parse_query(Some("radius_mi=0")).unwrap_err().into();
        let v = serde_json::to_value(e.body(Lang::En)).expect("serialises");
        assert_eq!(
            v,
            serde_json::json!({"error": {"code": "bad_parameter", "param": "radius_mi",
                "message": "radius_mi must be a number from 1 to 500"}})
        );
        assert_eq!(AppError::Timeout.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(AppError::NotFound.code(), "not_found");
    }
}
