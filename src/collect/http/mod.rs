//! HTTP evidence for one declared URL: redirects (followed by tuanthu itself, hop by hop, within
//! the declared hosts), HSTS, security headers, cookies and version banners.
