"""The standard placement template's columns (pure; no Django needed)."""

from __future__ import annotations

STANDARD_COLUMNS: list[str] = [
    "external_ref",
    "product",
    "currency",
    "principal",
    "interest",
    "fees",
    "due_date",
    "charge_off_date",
    "last_payment_date",
    "debtor_name",
    "national_id",
    "date_of_birth",
    "phone_1",
    "phone_2",
    "email",
    "address",
    "city",
    "region",
    "postcode",  # optional: the postal code / ZIP of the address (letters need it)
    "country",
    "language",
    "emergency_contact_name",
    "emergency_contact_phone",
    "emergency_contact_relation",
]

# Headers creditors' files commonly use for each standard column (Chinese bank and consumer
# finance exports, and English ones), compared after lower-casing and removing spaces,
# underscores, hyphens, brackets and full-width punctuation.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "external_ref": (
        "借据号",
        "合同号",
        "合同编号",
        "借款编号",
        "账户号",
        "账号",
        "案件编号",
        "贷款编号",
        "loannumber",
        "loanid",
        "accountnumber",
        "accountno",
        "reference",
        "contractno",
    ),
    "product": ("产品", "产品名称", "产品类型", "贷款产品", "producttype", "productname"),
    "currency": ("币种", "货币", "ccy"),
    "principal": (
        "本金",
        "剩余本金",
        "欠款本金",
        "未还本金",
        "principalbalance",
        "principalamount",
    ),
    "interest": ("利息", "欠息", "未还利息", "interestbalance"),
    "fees": ("费用", "罚息", "滞纳金", "违约金", "fee", "charges", "latefees"),
    "due_date": (
        "到期日",
        "应还日期",
        "应还款日",
        "逾期日期",
        "首次逾期日",
        "duedate",
        "paymentduedate",
    ),
    "charge_off_date": ("核销日期", "核销日", "chargeoffdate", "writeoffdate"),
    "last_payment_date": (
        "最后还款日",
        "最近还款日期",
        "上次还款日",
        "lastpaymentdate",
        "lastpaid",
    ),
    "debtor_name": (
        "姓名",
        "客户姓名",
        "借款人",
        "借款人姓名",
        "债务人",
        "name",
        "customername",
        "borrower",
        "fullname",
    ),
    "national_id": (
        "身份证号",
        "身份证号码",
        "证件号码",
        "证件号",
        "ssn",
        "nationalid",
        "idnumber",
    ),
    "date_of_birth": ("出生日期", "生日", "dob", "birthdate", "dateofbirth"),
    "phone_1": (
        "手机号",
        "手机号码",
        "联系电话",
        "电话",
        "本人电话",
        "mobile",
        "phone",
        "phonenumber",
        "mobilephone",
    ),
    "phone_2": (
        "备用电话",
        "其他电话",
        "电话2",
        "手机号2",
        "phone2",
        "alternatephone",
        "homephone",
    ),
    "email": ("邮箱", "电子邮箱", "电子邮件", "email", "e-mail", "emailaddress"),
    "address": (
        "地址",
        "家庭住址",
        "户籍地址",
        "居住地址",
        "通讯地址",
        "address",
        "street",
        "addressline1",
    ),
    "city": ("城市", "市", "所在城市", "town"),
    "region": ("省份", "省", "地区", "州", "state", "province", "county"),
    "postcode": (
        "邮编",
        "邮政编码",
        "postalcode",
        "zip",
        "zipcode",
        "postcode",
    ),
    "country": ("国家", "国家地区", "countrycode"),
    "language": ("语言", "首选语言", "preferredlanguage"),
    "emergency_contact_name": (
        "紧急联系人",
        "紧急联系人姓名",
        "联系人姓名",
        "emergencycontact",
        "emergencycontactname",
    ),
    "emergency_contact_phone": (
        "紧急联系人电话",
        "紧急联系人手机",
        "联系人电话",
        "emergencyphone",
        "emergencycontactphone",
    ),
    "emergency_contact_relation": (
        "紧急联系人关系",
        "与借款人关系",
        "关系",
        "relation",
        "relationship",
    ),
}

_STRIP = str.maketrans("", "", " _-()（）[]【】:：\u3000")


def _key(header: str) -> str:
    return header.strip().lower().translate(_STRIP)


_BY_KEY: dict[str, str] = {}
for _column in STANDARD_COLUMNS:
    _BY_KEY[_key(_column)] = _column
for _column, _names in SYNONYMS.items():
    for _name in _names:
        _BY_KEY.setdefault(_key(_name), _column)


def suggest_columns(headers: list[str]) -> dict[str, str]:
    """For each header of a creditor's file, the standard column it most likely holds ("" when
    unknown). A standard column is suggested for the first header that matches it only."""
    taken: set[str] = set()
    suggested: dict[str, str] = {}
    for header in headers:
        column = _BY_KEY.get(_key(header), "")
        if column == "phone_1" and column in taken:
            column = "phone_2"  # a second phone header
        if column in taken:
            column = ""
        if column:
            taken.add(column)
        suggested[header] = column
    return suggested
