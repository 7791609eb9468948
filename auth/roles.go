// Package auth owns who may do what in the console: accounts with one
// role each, their passwords (argon2id, a configurable policy), the
// failed-login lockout (per account and per client address), sessions
// kept in the store (so every console replica shares them), the second
// factor (TOTP, RFC 6238, with recovery codes, required for the
// administrator roles), and bearer tokens for machines.
//
// Roles follow least privilege and 三员分立 (GB/T 22239-2019 level 3): the
// three administrators (系统管理员 sysadmin, 安全管理员 secadmin, 审计管理员
// auditor) share no permission, an account holds exactly one role, so no
// account holds two of them, and nobody changes their own role. The
// system administrator creates accounts of business roles only; roles
// (administrator roles included) are the security administrator's, who
// cannot set passwords; the auditor only reads and exports the audit log.
//
// Every login (success, failure, lockout), logout and change this package
// makes is recorded in the audit log before it returns; a change whose
// record cannot be written fails.
package auth

import "slices"

// Role keys, as the CLI, the API and the config spell them.
const (
	RoleSysAdmin = "sysadmin"
	RoleSecAdmin = "secadmin"
	RoleAuditor  = "auditor"
	RoleMonitor  = "monitor"
	RoleDuty     = "duty"
	RoleHandler  = "handler"
	RoleLeader   = "leader"
	RoleViewer   = "viewer"
)

// Permissions. The request actions (confirm, assign, …) are the
// permission to make that request on an incident; PermRead is reading
// the business data (the feed, events, incidents, the pages).
const (
	PermRead            = "read"
	PermConfirm         = "confirm"
	PermAssign          = "assign"
	PermAcknowledge     = "acknowledge"
	PermRecordResponse  = "record_response"
	PermConfirmEvidence = "confirm_evidence"
	PermWaive           = "waive"
	PermSetLevel        = "set_level"
	PermClose           = "close"
	PermFalseAlarm      = "false_alarm"
	PermExtend          = "extend"
	PermRestart         = "restart"
	PermPause           = "pause"
	PermIncidentOpen    = "incident.open"
	PermEventEdit       = "event.edit" // merging and splitting events by hand
	PermDisclosureOpen  = "disclosure.open"
	PermPostCorrect     = "post.correct"
	PermDictionaryEdit  = "dictionary.edit"
	PermSchemeEdit      = "scheme.edit"
	PermSourceEdit      = "source.edit"
	PermRosterEdit      = "roster.edit"
	PermBriefDraft      = "brief.draft"
	PermBriefSign       = "brief.sign"
	PermInspectionRun   = "inspection.run"
	// PermAccountAdmin is creating accounts (of business roles),
	// resetting passwords and managing API tokens: the system
	// administrator's.
	PermAccountAdmin = "account.admin"
	// PermRoleAdmin is assigning roles, locking and unlocking accounts:
	// the security administrator's.
	PermRoleAdmin = "role.admin"
	// PermAuditRead is reading and exporting the audit log: the
	// auditor's.
	PermAuditRead = "audit.read"
)

// Role is one role: its key, its Chinese name and what it may do.
type Role struct {
	Key, Name string
	// Admin marks the three administrator roles, which need a second
	// factor and which the system administrator cannot grant.
	Admin bool
	Perms []string
}

// Can reports whether the role has the permission.
func (r Role) Can(perm string) bool { return slices.Contains(r.Perms, perm) }

var incidentWork = []string{PermAcknowledge, PermRecordResponse, PermConfirmEvidence}

var roles = []Role{
	{Key: RoleSysAdmin, Name: "系统管理员", Admin: true, Perms: []string{PermAccountAdmin, PermSourceEdit}},
	{Key: RoleSecAdmin, Name: "安全管理员", Admin: true, Perms: []string{PermRoleAdmin}},
	{Key: RoleAuditor, Name: "审计管理员", Admin: true, Perms: []string{PermAuditRead}},
	{Key: RoleMonitor, Name: "舆情监测员", Perms: []string{PermRead, PermPostCorrect, PermSchemeEdit, PermDictionaryEdit,
		PermIncidentOpen, PermEventEdit, PermBriefDraft, PermInspectionRun}},
	{Key: RoleDuty, Name: "值班员", Perms: append([]string{PermRead}, incidentWork...)},
	{Key: RoleHandler, Name: "处置负责人", Perms: append([]string{PermRead, PermConfirm, PermAssign, PermSetLevel, PermWaive,
		PermClose, PermFalseAlarm, PermExtend, PermRestart, PermPause, PermIncidentOpen, PermEventEdit, PermDisclosureOpen, PermRosterEdit,
		PermBriefDraft, PermInspectionRun}, incidentWork...)},
	{Key: RoleLeader, Name: "领导", Perms: []string{PermRead, PermBriefSign}},
	{Key: RoleViewer, Name: "只读", Perms: []string{PermRead}},
}

// Roles returns every role, administrators first.
func Roles() []Role { return slices.Clone(roles) }

// RoleOf returns the role with the key.
func RoleOf(key string) (Role, bool) {
	i := slices.IndexFunc(roles, func(r Role) bool { return r.Key == key })
	if i < 0 {
		return Role{}, false
	}
	return roles[i], true
}

// RoleName returns the Chinese name of a role key, or the key.
func RoleName(key string) string {
	if r, ok := RoleOf(key); ok {
		return r.Name
	}
	return key
}

// RoleKeys returns the role keys, administrators first.
func RoleKeys() []string {
	keys := make([]string, len(roles))
	for i, r := range roles {
		keys[i] = r.Key
	}
	return keys
}

// Can reports whether the role with the key has the permission; an
// unknown role has none.
func Can(role, perm string) bool {
	r, ok := RoleOf(role)
	return ok && r.Can(perm)
}
